//! The audit log: what is recorded (who, what, on what, from where), the filters, the pages,
//! and who may read it.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// One page of the log.
async fn page(app: &TestApp, admin: &Session, query: &str) -> Value {
    expect_json(
        app.get(&format!("/api/v1/admin/audit?{query}"), Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await
}

/// Every entry matching `query`, newest first, following the cursors.
async fn entries(app: &TestApp, admin: &Session, query: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("{query}&limit=100&cursor={c}"),
            None => format!("{query}&limit=100"),
        };
        let body = page(app, admin, &q).await;
        all.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return all,
        }
    }
}

fn actions(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

/// The newest entry with this action and subject.
fn find<'a>(entries: &'a [Value], action: &str, subject: Option<&str>) -> &'a Value {
    entries
        .iter()
        .find(|e| e["action"] == action && e["subject"].as_str() == subject)
        .unwrap_or_else(|| panic!("no {action} entry on {subject:?} in {entries:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ins_registrations_and_sign_outs_are_recorded_with_the_address() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let casey = app.register("casey@example.com").await;
    for (email, password) in [
        ("casey@example.com", "not the password"),
        ("Nobody@Example.com", PASSWORD),
        ("hunter2", "typed into the wrong field"),
    ] {
        expect_problem(
            app.login(email, password).await,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        )
        .await;
    }
    let session = session_of(
        expect_json(
            app.login("casey@example.com", PASSWORD).await,
            StatusCode::OK,
        )
        .await,
    );
    for _ in 0..2 {
        let res = app
            .post(
                "/api/v1/auth/logout",
                None,
                &json!({"refresh_token": session.refresh_token}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }

    let id = casey.user_id.to_string();
    let hers = entries(&app, &admin, &format!("subject=user:{id}")).await;
    assert_eq!(
        actions(&hers),
        ["signed_out", "sign_in", "registered"],
        "newest first, and signing out twice ends one session: {hers:#?}"
    );
    for e in &hers {
        assert_eq!(e["actor_id"], casey.user_id, "{e}");
        assert_eq!(e["actor_name"], "casey", "{e}");
        assert_eq!(e["subject_kind"], "user", "{e}");
        assert_eq!(e["subject"], id.as_str(), "{e}");
        assert_eq!(e["ip"], "127.0.0.1", "{e}");
    }
    assert_eq!(hers[2]["details"]["email"], "casey@example.com");

    let failed = entries(&app, &admin, "action=sign_in_failed").await;
    assert_eq!(failed.len(), 3, "{failed:#?}");
    for e in &failed {
        assert!(e["actor_id"].is_null() && e["actor_name"].is_null(), "{e}");
        assert_eq!(e["subject_kind"], "email", "{e}");
        assert_eq!(e["ip"], "127.0.0.1", "{e}");
    }
    // What was typed is kept only when it is an email address (lowercased, as sign-in
    // compares it); a password typed into the email field is not kept.
    assert_eq!(failed[0]["subject"], Value::Null);
    assert_eq!(failed[0]["details"]["reason"], "not_an_email");
    assert_eq!(failed[1]["subject"], "nobody@example.com");
    assert_eq!(failed[1]["details"]["reason"], "unknown_account");
    assert_eq!(failed[2]["subject"], "casey@example.com");
    assert_eq!(failed[2]["details"]["reason"], "wrong_password");
    assert!(!failed.iter().any(|e| e.to_string().contains("typed into")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrative_actions_are_recorded_with_their_actor_subject_and_change() {
    let app = TestApp::spawn_with(|s| s.outbound_allow_private = true).await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    app.create_category(&admin, "spare").await;
    let ok = |status: StatusCode| assert!(status.is_success(), "{status}");
    ok(app
        .patch(
            "/api/v1/categories/crm",
            Some(&admin.token),
            &json!({"name": "CRM & Sales"}),
        )
        .await
        .status());
    ok(app
        .delete("/api/v1/categories/spare", Some(&admin.token))
        .await
        .status());

    // Partners and their people.
    let owner = app.active_partner("acme").await;
    ok(app
        .put(
            "/api/v1/partners/acme/tier",
            Some(&admin.token),
            &json!({"tier": "select"}),
        )
        .await
        .status());
    ok(app
        .put(
            "/api/v1/partners/acme/certifications",
            Some(&admin.token),
            &json!({"certifications": [{"name": "Security reviewed", "issued_on": "2026-01-01"}]}),
        )
        .await
        .status());
    let pat = app.register("pat@acme.example").await;
    ok(app
        .post(
            "/api/v1/partners/acme/members",
            Some(&owner.token),
            &json!({"email": "pat@acme.example", "role": "member"}),
        )
        .await
        .status());
    let pat_path = format!("/api/v1/partners/acme/members/{}", pat.user_id);
    ok(app
        .patch(&pat_path, Some(&owner.token), &json!({"role": "admin"}))
        .await
        .status());
    ok(app.delete(&pat_path, Some(&owner.token)).await.status());

    // Listings and their review.
    app.published_listing(&owner, "acme", "acme-sync", "crm")
        .await;
    ok(app
        .put(
            "/api/v1/listings/acme-sync/badges",
            Some(&admin.token),
            &json!({"badges": ["staff-pick"]}),
        )
        .await
        .status());
    let res = app.create_listing(&owner, "acme", "acme-two", "crm").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    ok(app
        .action("/api/v1/listings/acme-two/submit", Some(&owner.token))
        .await
        .status());
    ok(app
        .post(
            "/api/v1/listings/acme-two/request-changes",
            Some(&admin.token),
            &json!({"note": "Add screenshots"}),
        )
        .await
        .status());

    // Keys, webhooks, routing rules, roles, requests.
    let key = expect_json(
        app.post(
            "/api/v1/partners/acme/api-keys",
            Some(&owner.token),
            &json!({"name": "CI"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let key_id = key["key"]["id"].as_i64().unwrap().to_string();
    let key_secret = key["secret"].as_str().unwrap().to_string();
    ok(app
        .delete(
            &format!("/api/v1/partners/acme/api-keys/{key_id}"),
            Some(&owner.token),
        )
        .await
        .status());
    let hook = expect_json(
        app.post(
            "/api/v1/partners/acme/webhooks",
            Some(&owner.token),
            &json!({"url": "http://127.0.0.1:9/hooks", "events": ["lead.routed"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let hook_id = hook["endpoint"]["id"].as_i64().unwrap().to_string();
    let hook_secret = hook["secret"].as_str().unwrap().to_string();
    let hook_path = format!("/api/v1/partners/acme/webhooks/{hook_id}");
    ok(app
        .action(&format!("{hook_path}/rotate-secret"), Some(&owner.token))
        .await
        .status());
    ok(app.delete(&hook_path, Some(&owner.token)).await.status());
    ok(app
        .put(
            "/api/v1/admin/routing-rules",
            Some(&admin.token),
            &json!({"sla_hours": 12}),
        )
        .await
        .status());
    let ana = app.register("ana@example.com").await;
    ok(app
        .put(
            &format!("/api/v1/admin/users/{}/role", ana.user_id),
            Some(&admin.token),
            &json!({"role": "analyst"}),
        )
        .await
        .status());
    let request = expect_json(
        app.post(
            "/api/v1/integration-requests",
            None,
            &json!({"tool": "Pipedrive", "use_case": "Sync deals", "vote": {"email": "v@example.com"}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let request_id = request["id"].as_i64().unwrap().to_string();
    ok(app
        .post(
            &format!("/api/v1/admin/integration-requests/{request_id}/ship"),
            Some(&admin.token),
            &json!({"listing": "acme-sync"}),
        )
        .await
        .status());
    ok(app
        .action("/api/v1/listings/acme-sync/delist", Some(&admin.token))
        .await
        .status());
    ok(app
        .action("/api/v1/partners/acme/suspend", Some(&admin.token))
        .await
        .status());

    let log = entries(&app, &admin, "").await;
    let ana_id = ana.user_id.to_string();
    let by_admin = Some(admin.user_id);
    let by_owner = Some(owner.user_id);
    // (action, subject kind, subject, actor: None when another admin the helpers made acted)
    let expected: Vec<(&str, &str, Option<&str>, Option<i64>)> = vec![
        ("category_created", "category", Some("crm"), by_admin),
        ("category_updated", "category", Some("crm"), by_admin),
        ("category_deleted", "category", Some("spare"), by_admin),
        ("partner_approved", "partner", Some("acme"), None),
        ("partner_tier_changed", "partner", Some("acme"), by_admin),
        (
            "partner_certifications_changed",
            "partner",
            Some("acme"),
            by_admin,
        ),
        ("member_added", "partner", Some("acme"), by_owner),
        ("member_role_changed", "partner", Some("acme"), by_owner),
        ("member_removed", "partner", Some("acme"), by_owner),
        ("listing_approved", "listing", Some("acme-sync"), None),
        (
            "listing_badges_changed",
            "listing",
            Some("acme-sync"),
            by_admin,
        ),
        (
            "listing_changes_requested",
            "listing",
            Some("acme-two"),
            by_admin,
        ),
        ("listing_delisted", "listing", Some("acme-sync"), by_admin),
        ("api_key_created", "api_key", Some(&key_id), by_owner),
        ("api_key_revoked", "api_key", Some(&key_id), by_owner),
        ("webhook_created", "webhook", Some(&hook_id), by_owner),
        (
            "webhook_secret_rotated",
            "webhook",
            Some(&hook_id),
            by_owner,
        ),
        ("webhook_deleted", "webhook", Some(&hook_id), by_owner),
        ("routing_rules_changed", "routing_rules", None, by_admin),
        ("role_changed", "user", Some(&ana_id), by_admin),
        (
            "integration_request_shipped",
            "integration_request",
            Some(&request_id),
            by_admin,
        ),
        ("partner_suspended", "partner", Some("acme"), by_admin),
    ];
    for (action, kind, subject, actor) in expected {
        let e = find(&log, action, subject);
        assert_eq!(e["subject_kind"], kind, "{e}");
        match actor {
            Some(id) => assert_eq!(e["actor_id"], id, "{e}"),
            None => assert!(e["actor_id"].as_i64().is_some(), "{e}"),
        }
        assert!(e["actor_name"].is_string(), "{e}");
        assert_eq!(e["ip"], "127.0.0.1", "{e}");
        assert!(e["at"].is_string() && e["id"].is_i64(), "{e}");
    }

    // The details say what changed.
    let role = find(&log, "role_changed", Some(&ana_id));
    assert_eq!(
        (&role["details"]["from"], &role["details"]["to"]),
        (&json!("customer"), &json!("analyst"))
    );
    let tier = find(&log, "partner_tier_changed", Some("acme"));
    assert_eq!(tier["details"]["to"], "select");
    let approved = find(&log, "partner_approved", Some("acme"));
    assert_eq!(
        (&approved["details"]["from"], &approved["details"]["to"]),
        (&json!("applied"), &json!("active"))
    );
    let listed = find(&log, "listing_approved", Some("acme-sync"));
    assert_eq!(listed["details"]["to"], "published");
    let changes = find(&log, "listing_changes_requested", Some("acme-two"));
    assert_eq!(changes["details"]["note"], "Add screenshots");
    let key = find(&log, "api_key_created", Some(&key_id));
    assert_eq!(
        (&key["details"]["partner"], &key["details"]["name"]),
        (&json!("acme"), &json!("CI"))
    );
    assert_eq!(key["details"]["prefix"], key_secret[..11]);
    let text = Value::Array(log.clone()).to_string();
    assert!(
        !text.contains(&key_secret) && !text.contains(&hook_secret),
        "secrets never reach the log"
    );
    let rules = find(&log, "routing_rules_changed", None);
    assert_eq!(
        (
            &rules["details"]["from"]["sla_hours"],
            &rules["details"]["to"]["sla_hours"]
        ),
        (&json!(24), &json!(12))
    );
    let member = find(&log, "member_role_changed", Some("acme"));
    assert_eq!(member["details"]["user_id"], pat.user_id);
    assert_eq!(
        (&member["details"]["from"], &member["details"]["to"]),
        (&json!("member"), &json!("admin"))
    );
    let shipped = find(&log, "integration_request_shipped", Some(&request_id));
    assert_eq!(shipped["details"]["listing"], "acme-sync");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_action_leaves_no_entry() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    expect_problem(
        app.put(
            &format!("/api/v1/admin/users/{}/role", admin.user_id),
            Some(&admin.token),
            &json!({"role": "customer"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    app.create_category(&admin, "crm").await;
    let res = app
        .post(
            "/api/v1/categories",
            Some(&admin.token),
            &json!({"slug": "crm", "name": "Again", "description": ""}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let owner = app.active_partner("acme").await;
    // The last admin cannot leave: the removal is rolled back, and so is its entry.
    let res = app
        .delete(
            &format!("/api/v1/partners/acme/members/{}", owner.user_id),
            Some(&owner.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    let log = entries(&app, &admin, "").await;
    assert!(!actions(&log).contains(&"role_changed"), "{log:#?}");
    assert!(!actions(&log).contains(&"member_removed"), "{log:#?}");
    assert_eq!(
        actions(&log)
            .iter()
            .filter(|a| **a == "category_created")
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_narrow_the_log_by_action_actor_and_subject() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let casey = app.register("casey@example.com").await;
    let dana = app.register("dana@example.com").await;
    for email in ["casey@example.com", "dana@example.com"] {
        app.login(email, PASSWORD).await;
        app.login(email, "wrong").await;
    }

    let sign_ins = entries(&app, &admin, "action=sign_in").await;
    // The admin's, and one each.
    assert_eq!(sign_ins.len(), 3, "{sign_ins:#?}");
    assert!(sign_ins.iter().all(|e| e["action"] == "sign_in"));

    let by_casey = entries(&app, &admin, &format!("actor={}", casey.user_id)).await;
    assert_eq!(actions(&by_casey), ["sign_in", "registered"]);
    assert!(by_casey.iter().all(|e| e["actor_id"] == casey.user_id));

    let users = entries(&app, &admin, "subject=user").await;
    assert!(users.len() >= 5 && users.iter().all(|e| e["subject_kind"] == "user"));
    let dana_id = dana.user_id.to_string();
    let about_dana = entries(&app, &admin, &format!("subject=user:{dana_id}")).await;
    assert_eq!(actions(&about_dana), ["sign_in", "registered"]);
    assert!(about_dana.iter().all(|e| e["subject"] == dana_id.as_str()));

    // Emails are matched as sign-in compares them.
    let failed = entries(
        &app,
        &admin,
        "action=sign_in_failed&subject=email:DANA@Example.com",
    )
    .await;
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0]["subject"], "dana@example.com");

    let both = entries(
        &app,
        &admin,
        &format!("action=registered&actor={}", casey.user_id),
    )
    .await;
    assert_eq!(actions(&both), ["registered"]);

    let none = page(&app, &admin, "action=webhook_deleted").await;
    assert_eq!(none, json!({"items": []}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_comes_newest_first_in_pages() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for i in 0..7 {
        app.login(&format!("nobody{i}@example.com"), "wrong").await;
    }
    let mut seen: Vec<i64> = Vec::new();
    let mut sizes = Vec::new();
    let mut query = "action=sign_in_failed&limit=3".to_string();
    loop {
        let body = page(&app, &admin, &query).await;
        let items = body["items"].as_array().unwrap();
        sizes.push(items.len());
        seen.extend(items.iter().map(|e| e["id"].as_i64().unwrap()));
        match body["next_cursor"].as_str() {
            Some(c) => query = format!("action=sign_in_failed&limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(sizes, [3, 3, 1]);
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seen:?}"
    );
    let subjects: Vec<Value> = entries(&app, &admin, "action=sign_in_failed")
        .await
        .into_iter()
        .map(|e| e["subject"].clone())
        .collect();
    assert_eq!(subjects.first(), Some(&json!("nobody6@example.com")));
    assert_eq!(subjects.last(), Some(&json!("nobody0@example.com")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_filters_and_cursors_are_problems_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for (query, field) in [
        ("action=nope", "action"),
        ("actor=abc", "actor"),
        ("actor=0", "actor"),
        ("subject=planet", "subject"),
        ("subject=planet:mars", "subject"),
        ("subject=partner:", "subject"),
        ("cursor=not-a-cursor", "cursor"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("colour=red", "colour"),
    ] {
        let problem = expect_problem(
            app.get(&format!("/api/v1/admin/audit?{query}"), Some(&admin.token))
                .await,
            StatusCode::BAD_REQUEST,
            "invalid_query",
        )
        .await;
        assert_eq!(fields(&problem), [field], "{query}: {problem}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_marketplace_admins_read_the_log() {
    let app = TestApp::spawn().await;
    expect_problem(
        app.get("/api/v1/admin/audit", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let customer = app.register("casey@example.com").await;
    let analyst = app.account_with_role("avery@example.com", "analyst").await;
    let partner = app.active_partner("acme").await;
    for who in [&customer, &analyst, &partner] {
        expect_problem(
            app.get("/api/v1/admin/audit", Some(&who.token)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    let admin = app.admin().await;
    let body = page(&app, &admin, "").await;
    assert!(!body["items"].as_array().unwrap().is_empty());
}
