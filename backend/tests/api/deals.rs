//! Deal registrations with conflicts, and partner scorecards.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::usage::{api_key, post_usage};

fn deal(domain: &str, value: i64) -> Value {
    let close = (chrono::Utc::now() + chrono::Duration::days(30)).date_naive();
    json!({"account_domain": domain, "account_name": "Big Co", "value": value,
        "expected_close": close.to_string(), "notes": "Champion in IT"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_active_registration_wins_and_later_ones_are_conflicts_for_admins() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let acme = app.active_partner("acme").await;
    let rival = app.active_partner("rival").await;
    let first = expect_json(
        app.post(
            "/api/v1/partners/acme/deal-registrations",
            Some(&acme.token),
            &deal("BigCo.example", 50_000),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (first["status"].clone(), first["account_domain"].clone()),
        (json!("active"), json!("bigco.example"))
    );
    expect_problem(
        app.post(
            "/api/v1/partners/acme/deal-registrations",
            Some(&acme.token),
            &deal("bigco.example", 1),
        )
        .await,
        StatusCode::CONFLICT,
        "already_registered",
    )
    .await;
    let second = expect_json(
        app.post(
            "/api/v1/partners/rival/deal-registrations",
            Some(&rival.token),
            &deal("bigco.example", 70_000),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (second["status"].clone(), second["conflict_with"].clone()),
        (json!("conflict"), first["id"].clone())
    );

    let conflicts = expect_json(
        app.get(
            "/api/v1/admin/deal-registrations/conflicts",
            Some(&admin.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(conflicts[0]["partner"], "rival");
    let res = app
        .get(
            "/api/v1/admin/deal-registrations/conflicts",
            Some(&acme.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Partners see their own registrations only.
    let res = app
        .get(
            "/api/v1/partners/acme/deal-registrations",
            Some(&rival.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .post(
            "/api/v1/partners/acme/deal-registrations",
            Some(&rival.token),
            &deal("x.example", 1),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Once the first is closed, the account is free again.
    let close = format!(
        "/api/v1/partners/acme/deal-registrations/{}/close",
        first["id"]
    );
    let won = expect_json(
        app.post(&close, Some(&acme.token), &json!({"status": "won"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(won["status"], "won");
    let res = app
        .post(&close, Some(&acme.token), &json!({"status": "lost"}))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app
        .post(
            &format!(
                "/api/v1/partners/rival/deal-registrations/{}/close",
                first["id"]
            ),
            Some(&rival.token),
            &json!({"status": "won"}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "not rival's registration"
    );
    let fresh = expect_json(
        app.post(
            "/api/v1/partners/rival/deal-registrations",
            Some(&rival.token),
            &deal("bigco.example", 5),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(fresh["status"], "active");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_registrations_name_the_field() {
    let app = TestApp::spawn().await;
    let acme = app.active_partner("acme").await;
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1))
        .date_naive()
        .to_string();
    for (change, field) in [
        (json!({"account_domain": "not a domain"}), "account_domain"),
        (json!({"account_name": ""}), "account_name"),
        (json!({"value": 0}), "value"),
        (json!({"expected_close": yesterday}), "expected_close"),
    ] {
        let mut body = deal("ok.example", 10);
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let problem = expect_problem(
            app.post(
                "/api/v1/partners/acme/deal-registrations",
                Some(&acme.token),
                &body,
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let first = expect_json(
        app.post(
            "/api/v1/partners/acme/deal-registrations",
            Some(&acme.token),
            &deal("ok.example", 10),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let res = app
        .post(
            &format!(
                "/api/v1/partners/acme/deal-registrations/{}/close",
                first["id"]
            ),
            Some(&acme.token),
            &json!({"status": "active"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scorecards_rank_partners_and_each_sees_its_own() {
    let clock = mercato::clock::Clock::manual(chrono::Utc::now());
    let app = TestApp::spawn_with(|s| s.clock = clock.clone()).await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let acme = app.active_partner("acme").await;
    app.published_listing(&acme, "acme", "acme-sync", "crm")
        .await;
    let rival = app.active_partner("rival").await;
    expect_json(
        app.post(
            "/api/v1/partners/acme/deal-registrations",
            Some(&acme.token),
            &deal("one.example", 30_000),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    // Two leads: one won three days after acceptance, one lost.
    let mut ids = Vec::new();
    for email in ["w@won.example", "l@lost.example"] {
        let receipt = expect_json(
            app.post("/api/v1/leads", None, &json!({"kind": "intro", "listing": "acme-sync",
                "contact_name": "C", "email": email, "company_name": "Co", "company_domain": "co.example",
                "message": "Hello", "consent": true}))
            .await,
            StatusCode::ACCEPTED,
        )
        .await;
        let id = receipt["id"].clone();
        expect_json(
            app.post(
                &format!("/api/v1/leads/{id}/accept"),
                Some(&acme.token),
                &json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        ids.push(id);
    }
    clock.advance(chrono::Duration::days(3));
    let step = |id: &Value| format!("/api/v1/leads/{id}/status");
    expect_json(
        app.post(
            &step(&ids[0]),
            Some(&acme.token),
            &json!({"status": "qualified"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        app.post(
            &step(&ids[0]),
            Some(&acme.token),
            &json!({"status": "won", "deal_value": 9000}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        app.post(
            &step(&ids[1]),
            Some(&acme.token),
            &json!({"status": "lost", "reason": "Budget"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // One workspace uses the listing.
    let customer = app.register("casey@customer.example").await;
    let ws = expect_json(
        app.post(
            "/api/v1/workspaces",
            Some(&customer.token),
            &json!({"name": "Casey"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let key = api_key(&app, &acme, "acme").await;
    let events = json!([{"workspace": ws["id"], "listing": "acme-sync", "occurred_at": chrono::Utc::now().to_rfc3339()}]);
    expect_json(post_usage(&app, &key, &events, None).await, StatusCode::OK).await;

    let ranking = expect_json(
        app.get("/api/v1/analytics/partners", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    let card = &ranking[0];
    assert_eq!(card["partner"], "acme");
    assert_eq!(card["sourced_pipeline_value"], 30_000);
    assert_eq!(
        (card["leads_won"].clone(), card["leads_lost"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(card["win_rate"], 0.5);
    assert_eq!(card["median_cycle_days"], 3.0);
    assert_eq!(card["sla_adherence"], 1.0);
    assert_eq!(card["mau"], 1);
    assert_eq!(ranking[1]["partner"], "rival");
    assert_eq!(ranking[1]["win_rate"], Value::Null);
    let by_mau = expect_json(
        app.get("/api/v1/analytics/partners?sort=mau", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_mau[0]["partner"], "acme");
    let res = app
        .get("/api/v1/analytics/partners?sort=luck", Some(&admin.token))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    let own = expect_json(
        app.get("/api/v1/partners/acme/scorecard", Some(&acme.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(own, *card);
    for (path, token) in [
        ("/api/v1/partners/acme/scorecard", &rival.token),
        ("/api/v1/analytics/partners", &acme.token),
        ("/api/v1/analytics/partners", &customer.token),
    ] {
        let res = app.get(path, Some(token)).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }
}
