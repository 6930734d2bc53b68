use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_makes_an_applied_partner_with_the_applicant_as_admin() {
    let app = TestApp::spawn().await;
    let owner = app.register("owner@acme.example").await;
    let p = app.apply_partner(&owner, "acme").await;
    assert_eq!(p["status"], "applied");
    assert_eq!(p["tier"], "registered");
    assert_eq!(p["motions"], json!(["technology"]));
    assert!(p["description_html"]
        .as_str()
        .unwrap()
        .contains("<strong>integrations</strong>"));

    // Not public yet, but its members see it.
    expect_problem(
        app.get("/api/v1/partners/acme", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let other = app.register("other@example.com").await;
    expect_problem(
        app.get("/api/v1/partners/acme", Some(&other.token)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let seen = expect_json(
        app.get("/api/v1/partners/acme", Some(&owner.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["status"], "applied");

    let history = expect_json(
        app.get("/api/v1/partners/acme/history", Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(history[0]["to_status"], "applied");
    assert_eq!(history[0]["actor_id"], owner.user_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_needs_an_account_valid_fields_and_a_free_slug() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/partners",
            None,
            &json!({"slug": "acme", "name": "Acme", "website": "https://acme.example"}),
        )
        .await;
    expect_problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    let owner = app.register("owner@acme.example").await;
    let res = app
        .post(
            "/api/v1/partners",
            Some(&owner.token),
            &json!({"slug": "Acme!", "name": "", "website": "acme.example", "motions": ["sales"]}),
        )
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(
        fields(&p),
        vec!["motions[0]"],
        "enum errors are reported by the parser first"
    );
    let res = app
        .post(
            "/api/v1/partners",
            Some(&owner.token),
            &json!({"slug": "Acme!", "name": "", "website": "acme.example"}),
        )
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&p), vec!["slug", "name", "website"]);

    app.apply_partner(&owner, "acme").await;
    let other = app.register("other@example.com").await;
    let res = app
        .post(
            "/api/v1/partners",
            Some(&other.token),
            &json!({"slug": "acme", "name": "Acme 2", "website": "https://acme2.example"}),
        )
        .await;
    let p = expect_problem(res, StatusCode::CONFLICT, "slug_taken").await;
    assert_eq!(fields(&p), vec!["slug"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_approve_and_suspend_and_only_admins() {
    let app = TestApp::spawn().await;
    let owner = app.register("owner@acme.example").await;
    app.apply_partner(&owner, "acme").await;
    let admin = app.admin().await;

    // Nobody else may decide, not even the partner's own admin.
    for token in [Some(owner.token.as_str()), None] {
        let res = app.action("/api/v1/partners/acme/approve", token).await;
        assert!(matches!(
            res.status(),
            StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED
        ));
    }

    let res = app
        .post(
            "/api/v1/partners/acme/approve",
            Some(&admin.token),
            &json!({"note": "Welcome aboard"}),
        )
        .await;
    assert_eq!(expect_json(res, StatusCode::OK).await["status"], "active");
    let public = expect_json(app.get("/api/v1/partners/acme", None).await, StatusCode::OK).await;
    assert_eq!(public["status"], "active");

    // Approving an active partner is not a transition.
    let res = app
        .action("/api/v1/partners/acme/approve", Some(&admin.token))
        .await;
    expect_problem(res, StatusCode::CONFLICT, "invalid_state_transition").await;

    let res = app
        .post(
            "/api/v1/partners/acme/suspend",
            Some(&admin.token),
            &json!({"note": "Unpaid invoices"}),
        )
        .await;
    assert_eq!(
        expect_json(res, StatusCode::OK).await["status"],
        "suspended"
    );
    expect_problem(
        app.get("/api/v1/partners/acme", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let history = expect_json(
        app.get("/api/v1/partners/acme/history", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    let moves: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to_status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(moves, vec!["applied", "active", "suspended"]);
    assert_eq!(history[2]["note"], "Unpaid invoices");
    assert_eq!(history[2]["actor_id"], admin.user_id);

    let res = app
        .action("/api/v1/partners/nope/approve", Some(&admin.token))
        .await;
    expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspending_a_partner_hides_its_listings() {
    let app = TestApp::spawn().await;
    let owner = app.active_partner("acme").await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    app.published_listing(&owner, "acme", "acme-sync", "crm")
        .await;
    expect_json(
        app.get("/api/v1/listings/acme-sync", None).await,
        StatusCode::OK,
    )
    .await;
    let list = expect_json(app.get("/api/v1/listings", None).await, StatusCode::OK).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    app.action("/api/v1/partners/acme/suspend", Some(&admin.token))
        .await;
    expect_problem(
        app.get("/api/v1/listings/acme-sync", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let list = expect_json(app.get("/api/v1/listings", None).await, StatusCode::OK).await;
    assert_eq!(list["items"], json!([]));
    let cats = expect_json(app.get("/api/v1/categories", None).await, StatusCode::OK).await;
    assert_eq!(cats["items"][0]["listing_count"], 0);

    // Reinstated: back again.
    app.action("/api/v1/partners/acme/approve", Some(&admin.token))
        .await;
    expect_json(
        app.get("/api/v1/listings/acme-sync", None).await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partner_admins_edit_the_profile_and_no_one_else() {
    let app = TestApp::spawn().await;
    let owner = app.active_partner("acme").await;
    let res = app
        .patch("/api/v1/partners/acme", Some(&owner.token), &json!({"name": "Acme Cloud", "logo_url": "https://cdn.acme.example/logo.png", "regions": ["europe", "north_america"]}))
        .await;
    let p = expect_json(res, StatusCode::OK).await;
    assert_eq!(p["name"], "Acme Cloud");
    assert_eq!(p["regions"], json!(["north_america", "europe"]));
    let res = app
        .patch(
            "/api/v1/partners/acme",
            Some(&owner.token),
            &json!({"logo_url": null}),
        )
        .await;
    assert_eq!(
        expect_json(res, StatusCode::OK).await["logo_url"],
        json!(null)
    );

    let res = app
        .patch(
            "/api/v1/partners/acme",
            Some(&owner.token),
            &json!({"website": "nope", "motions": []}),
        )
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&p), vec!["website", "motions"]);
    let res = app
        .patch(
            "/api/v1/partners/acme",
            Some(&owner.token),
            &json!({"slug": "new"}),
        )
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    let stranger = app.register("stranger@example.com").await;
    let res = app
        .patch(
            "/api/v1/partners/acme",
            Some(&stranger.token),
            &json!({"name": "Pwned"}),
        )
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let member = app.register("member@acme.example").await;
    app.post(
        "/api/v1/partners/acme/members",
        Some(&owner.token),
        &json!({"email": member.email, "role": "member"}),
    )
    .await;
    let res = app
        .patch(
            "/api/v1/partners/acme",
            Some(&member.token),
            &json!({"name": "Pwned"}),
        )
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .patch("/api/v1/partners/acme", None, &json!({"name": "Pwned"}))
        .await;
    expect_problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_set_tiers_and_certifications() {
    let app = TestApp::spawn().await;
    let owner = app.active_partner("acme").await;
    let admin = app.admin().await;
    let res = app
        .put(
            "/api/v1/partners/acme/tier",
            Some(&owner.token),
            &json!({"tier": "premier"}),
        )
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .put(
            "/api/v1/partners/acme/tier",
            Some(&admin.token),
            &json!({"tier": "premier"}),
        )
        .await;
    assert_eq!(expect_json(res, StatusCode::OK).await["tier"], "premier");

    let certs = json!({"certifications": [
        {"name": "Security reviewed", "issued_on": "2026-01-01", "expires_on": "2099-01-01"},
        {"name": "Expired", "issued_on": "2020-01-01", "expires_on": "2021-01-01"},
    ]});
    let res = app
        .put(
            "/api/v1/partners/acme/certifications",
            Some(&owner.token),
            &certs,
        )
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let p = expect_json(
        app.put(
            "/api/v1/partners/acme/certifications",
            Some(&admin.token),
            &certs,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let names: Vec<_> = p["certifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(
        names,
        vec![json!("Security reviewed")],
        "expired certifications are not shown"
    );

    let bad = json!({"certifications": [{"name": "", "issued_on": "2026-01-01", "expires_on": "2025-01-01"}]});
    let p = expect_problem(
        app.put(
            "/api/v1/partners/acme/certifications",
            Some(&admin.token),
            &bad,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        vec!["certifications[0].name", "certifications[0].expires_on"]
    );
    let bad = json!({"certifications": [{"name": "X", "issued_on": "yesterday"}]});
    let p = expect_problem(
        app.put(
            "/api/v1/partners/acme/certifications",
            Some(&admin.token),
            &bad,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), vec!["certifications[0].issued_on"]);

    // Listings of a certified partner say so.
    app.create_category(&admin, "crm").await;
    app.published_listing(&owner, "acme", "acme-sync", "crm")
        .await;
    let l = expect_json(
        app.get("/api/v1/listings/acme-sync", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(l["partner"]["certified"], true);
    assert_eq!(l["partner"]["tier"], "premier");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_partner_list_shows_active_partners_and_pages() {
    let app = TestApp::spawn().await;
    for slug in ["charlie", "alpha", "bravo"] {
        app.active_partner(slug).await;
    }
    let applicant = app.register("new@delta.example").await;
    app.apply_partner(&applicant, "delta").await;

    let page1 = expect_json(
        app.get("/api/v1/partners?limit=2", None).await,
        StatusCode::OK,
    )
    .await;
    let names: Vec<_> = page1["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, vec!["alpha", "bravo"]);
    let cursor = page1["next_cursor"].as_str().unwrap();
    let page2 = expect_json(
        app.get(&format!("/api/v1/partners?limit=2&cursor={cursor}"), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page2["items"][0]["slug"], "charlie");
    assert!(page2.get("next_cursor").is_none());

    // The approval queue is for admins.
    expect_problem(
        app.get("/api/v1/partners?status=applied", None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let admin = app.admin().await;
    let queue = expect_json(
        app.get("/api/v1/partners?status=applied", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(queue["items"][0]["slug"], "delta");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partner_listings_show_drafts_to_members_only() {
    let app = TestApp::spawn().await;
    let owner = app.active_partner("acme").await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    app.published_listing(&owner, "acme", "live-one", "crm")
        .await;
    app.create_listing(&owner, "acme", "draft-one", "crm").await;

    let public = expect_json(
        app.get("/api/v1/partners/acme/listings", None).await,
        StatusCode::OK,
    )
    .await;
    let slugs: Vec<_> = public["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["slug"].clone())
        .collect();
    assert_eq!(slugs, vec![json!("live-one")]);
    let other = app.active_partner("rival").await;
    let seen = expect_json(
        app.get("/api/v1/partners/acme/listings", Some(&other.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["items"].as_array().unwrap().len(), 1);
    let own = expect_json(
        app.get("/api/v1/partners/acme/listings", Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(own["items"].as_array().unwrap().len(), 2);
    let by_admin = expect_json(
        app.get("/api/v1/partners/acme/listings", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_admin["items"].as_array().unwrap().len(), 2);

    expect_problem(
        app.get("/api/v1/partners/acme/history", Some(&other.token))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}
