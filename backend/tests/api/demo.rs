//! The demo marketplace's activity (`mercato seed-demo`): what a fresh demo shows in the
//! partner's analytics and leads, the analyst's charts and the requests board.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{expect_json, TestApp};

/// Seeds the demo into the app's database; returns what `seed_demo` said.
async fn seed(app: &TestApp) -> Option<String> {
    let db = mercato::db::Db::connect(&app.settings).await.unwrap();
    let summary = mercato::seed::seed_demo(&db).await.unwrap();
    db.close().await;
    summary
}

/// An app whose empty database got the demo seed.
async fn demo_app() -> TestApp {
    let app = TestApp::spawn().await;
    let summary = seed(&app).await.expect("seeded");
    assert!(
        summary.contains("with activity:") && summary.contains("admin@mercato.example"),
        "{summary}"
    );
    app
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> String {
    expect_json(app.login(email, password).await, StatusCode::OK).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn partner(app: &TestApp) -> String {
    sign_in(
        app,
        "partner@northwind-labs.example",
        "mercato-partner-demo",
    )
    .await
}

async fn analyst(app: &TestApp) -> String {
    sign_in(app, "analyst@mercato.example", "mercato-analyst-demo").await
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_northwind_listing_has_installs_usage_and_a_funnel_on_the_demo() {
    let app = demo_app().await;
    let token = partner(&app).await;
    let from = (Utc::now() - Duration::days(89)).date_naive();
    let body = expect_json(
        app.get(
            &format!("/api/v1/analytics/listings/northwind-invoice-sync?from={from}"),
            Some(&token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let funnel = &body["funnel"];
    let (views, clicks, installs) = (
        funnel["views"].as_i64().unwrap(),
        funnel["clicks"].as_i64().unwrap(),
        funnel["installs"].as_i64().unwrap(),
    );
    assert!(
        views > clicks && clicks > installs && installs > 0,
        "view → click → install: {funnel}"
    );
    let sources = body["sources"].as_array().unwrap();
    assert!(
        sources.len() >= 4,
        "visits from several sources: {sources:?}"
    );
    for s in sources {
        assert!(s["views"].as_i64() >= s["clicks"].as_i64(), "{s}");
        assert!(s["clicks"].as_i64() >= s["installs"].as_i64(), "{s}");
    }
    let series = body["series"].as_array().unwrap();
    assert_eq!(series.len(), 90);
    let last = series.last().unwrap();
    assert!(last["active_installs"].as_i64().unwrap() > 0, "{last}");
    assert!(last["mau"].as_i64().unwrap() > 0, "{last}");
    assert!(
        series
            .iter()
            .any(|p| p["active_workspaces"].as_i64().unwrap() > 0),
        "daily active workspaces"
    );
    assert!(
        series
            .iter()
            .map(|p| p["installs"].as_i64().unwrap())
            .sum::<i64>()
            == installs,
        "the series and the funnel agree"
    );

    // Across the marketplace, listings differ in MAU and adoption.
    let ranking = expect_json(
        app.get("/api/v1/analytics/adoption", Some(&analyst(&app).await))
            .await,
        StatusCode::OK,
    )
    .await;
    let rows = ranking["rows"].as_array().unwrap();
    assert!(rows.len() >= 10, "{ranking}");
    let adoption: std::collections::BTreeSet<String> =
        rows.iter().map(|r| r["adoption"].to_string()).collect();
    let mau: std::collections::BTreeSet<i64> =
        rows.iter().map(|r| r["mau"].as_i64().unwrap()).collect();
    assert!(
        adoption.len() >= 4 && mau.len() >= 4,
        "varied usage: {ranking}"
    );
    assert!(rows
        .iter()
        .any(|r| r["listing"] == "northwind-invoice-sync" && r["mau"].as_i64().unwrap() > 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn northwinds_inbox_has_leads_in_every_state_of_the_pipeline_on_the_demo() {
    let app = demo_app().await;
    let token = partner(&app).await;
    let leads = expect_json(
        app.get("/api/v1/partners/northwind-labs/leads", Some(&token))
            .await,
        StatusCode::OK,
    )
    .await;
    let leads = leads.as_array().unwrap();
    let with =
        |status: &str| -> Vec<&Value> { leads.iter().filter(|l| l["status"] == status).collect() };
    for status in ["routed", "accepted", "qualified", "won", "lost"] {
        assert!(
            !with(status).is_empty(),
            "a lead that is {status}: {leads:?}"
        );
    }
    let now = Utc::now();
    for l in with("routed") {
        assert!(time(&l["sla_due_at"]) > now, "the SLA still runs: {l}");
    }
    assert!(
        with("routed")
            .iter()
            .any(|l| time(&l["sla_due_at"]) < now + Duration::hours(3)),
        "a lead near its SLA"
    );
    for l in with("won") {
        assert!(l["deal_value"].as_i64().unwrap() > 0, "{l}");
        assert!(l["closed_at"].is_string(), "{l}");
    }
    for l in with("lost") {
        assert!(!l["lost_reason"].as_str().unwrap().is_empty(), "{l}");
    }
    for l in leads {
        assert!(time(&l["created_at"]) < now, "{l}");
        if let Some(accepted) = l["accepted_at"].as_str() {
            let accepted: DateTime<Utc> = accepted.parse().unwrap();
            assert!(accepted > time(&l["routed_at"]) && accepted < now, "{l}");
        }
    }

    // The routing records agree: a won lead went routed → accepted → qualified → won, its
    // route accepted.
    let admin = sign_in(&app, "admin@mercato.example", "mercato-admin-demo").await;
    let won = with("won")[0]["id"].as_i64().unwrap();
    let detail = expect_json(
        app.get(&format!("/api/v1/admin/leads/{won}"), Some(&admin))
            .await,
        StatusCode::OK,
    )
    .await;
    let moves: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to"].as_str().unwrap())
        .collect();
    assert_eq!(
        moves,
        ["routed", "accepted", "qualified", "won"],
        "{detail}"
    );
    assert_eq!(detail["routes"][0]["outcome"], "accepted");
    assert_eq!(detail["routes"][0]["partner"], "northwind-labs");

    // The kept statistics: one lead let pass the SLA, the rest accepted in time.
    let card = expect_json(
        app.get("/api/v1/partners/northwind-labs/scorecard", Some(&token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(card["leads_won"], with("won").len());
    assert_eq!(card["leads_lost"], with("lost").len());
    let sla = card["sla_adherence"].as_f64().unwrap();
    assert!(sla > 0.5 && sla < 1.0, "{card}");
    assert!(
        card["sourced_pipeline_value"].as_i64().unwrap() > 0,
        "{card}"
    );

    // Other partners have leads too, implementation help routed by the demo's rules among them.
    let services = expect_json(
        app.get("/api/v1/partners/blue-cedar-consulting/leads", Some(&admin))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        services
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["kind"] == "implementation_help"),
        "{services}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_churn_bucket_has_workspaces_and_churn_on_the_demo() {
    let app = demo_app().await;
    let churn = expect_json(
        app.get("/api/v1/analytics/churn", Some(&analyst(&app).await))
            .await,
        StatusCode::OK,
    )
    .await;
    let buckets = churn["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 4);
    for b in buckets {
        assert!(b["workspaces"].as_i64().unwrap() > 0, "{churn}");
        assert!(b["churned"].as_i64().unwrap() > 0, "{churn}");
    }
    assert!(
        buckets[0]["churn_rate"].as_f64() > buckets[3]["churn_rate"].as_f64(),
        "more integrations, less churn: {churn}"
    );

    // The demo customer's account stays without workspaces (the end-to-end tests make them).
    let customer = sign_in(&app, "customer@acme.example", "mercato-customer-demo").await;
    let mine = expect_json(
        app.get("/api/v1/workspaces", Some(&customer)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine, serde_json::json!([]), "{mine}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_integration_requests_and_deal_registrations() {
    let app = demo_app().await;
    let open = expect_json(
        app.get("/api/v1/integration-requests?limit=100", None)
            .await,
        StatusCode::OK,
    )
    .await;
    let votes: Vec<i64> = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["votes"].as_i64().unwrap())
        .collect();
    assert!(votes.len() >= 5, "{open}");
    assert!(
        votes.windows(2).all(|w| w[0] > w[1]),
        "varied votes: {votes:?}"
    );
    let shipped = expect_json(
        app.get("/api/v1/integration-requests?status=shipped", None)
            .await,
        StatusCode::OK,
    )
    .await;
    let shipped = &shipped["items"][0];
    assert_eq!(
        shipped["listing"], "northwind-revenue-export-xero",
        "{shipped}"
    );
    assert!(shipped["shipped_at"].is_string());

    let token = partner(&app).await;
    let deals = expect_json(
        app.get(
            "/api/v1/partners/northwind-labs/deal-registrations",
            Some(&token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let statuses: Vec<&str> = deals
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    for status in ["active", "won", "conflict"] {
        assert!(statuses.contains(&status), "{deals}");
    }
    let admin = sign_in(&app, "admin@mercato.example", "mercato-admin-demo").await;
    let conflicts = expect_json(
        app.get("/api/v1/admin/deal-registrations/conflicts", Some(&admin))
            .await,
        StatusCode::OK,
    )
    .await;
    let conflict = &conflicts[0];
    assert_eq!(conflict["partner"], "northwind-labs");
    let first = conflict["conflict_with"].as_i64().unwrap();
    let tidewater = expect_json(
        app.get(
            "/api/v1/partners/tidewater-software/deal-registrations",
            Some(&admin),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        tidewater
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == first && d["account_domain"] == conflict["account_domain"]),
        "the conflict points at another partner's earlier registration: {tidewater}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_seed_fills_an_empty_marketplace_once() {
    let app = demo_app().await;
    assert!(seed(&app).await.is_none(), "second run does nothing");

    let listings = expect_json(
        app.get("/api/v1/listings?limit=100", None).await,
        StatusCode::OK,
    )
    .await;
    assert!(listings["items"].as_array().unwrap().len() >= 24);
    let cats = expect_json(app.get("/api/v1/categories", None).await, StatusCode::OK).await;
    assert!(cats["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["listing_count"].as_i64().unwrap() > 0));
    let partner = expect_json(
        app.login("partner@northwind-labs.example", "mercato-partner-demo")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        partner["user"]["partners"][0]["partner_slug"],
        "northwind-labs"
    );
    let admin = expect_json(
        app.login("admin@mercato.example", "mercato-admin-demo")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(admin["user"]["role"], "admin");
}
