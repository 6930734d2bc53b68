//! `/metrics`: not public by default, served with a token on the main listener or as it is on
//! a listener of its own; request counts per route template, and the queues read from the
//! database.

use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn metrics_are_not_public_by_default() {
    let app = TestApp::spawn().await;
    expect_problem(
        app.get("/metrics", None).await,
        StatusCode::NOT_FOUND,
        "route_not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_token_the_metrics_count_requests_and_read_the_queues() {
    let app = TestApp::spawn_with(|s| {
        s.metrics_token = Some(SecretString::from("scrape-token-0123456789"));
    })
    .await;
    expect_problem(
        app.get("/metrics", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    expect_problem(
        app.get("/metrics", Some("wrong-token")).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;

    // Something to count and something queued: a routed lead waits for its partner.
    let owner = app.active_partner("acme").await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    app.published_listing(&owner, "acme", "acme-sync", "crm")
        .await;
    let res = app
        .post(
            "/api/v1/leads",
            None,
            &json!({
                "kind": "intro", "listing": "acme-sync", "contact_name": "Casey Jones",
                "email": "casey@customer.example", "company_name": "Customer Co",
                "company_domain": "customer.example", "message": "Please introduce us.",
                "consent": true,
            }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    for _ in 0..3 {
        app.get("/api/v1/listings/no-such-listing", None).await;
    }

    let res = app.get("/metrics", Some("scrape-token-0123456789")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.unwrap();
    let has = |line: &str| text.lines().any(|l| l == line);
    assert!(
        has(
            r#"mercato_http_requests_total{method="GET",route="/api/v1/listings/{slug}",status="404"} 3"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"mercato_http_request_duration_seconds_bucket{method="GET",route="/api/v1/listings/{slug}",status="404",le="0.5"}"#),
        "{text}"
    );
    assert!(
        has(r#"mercato_lead_sla_queue{state="waiting"} 1"#),
        "{text}"
    );
    assert!(
        has(r#"mercato_lead_sla_queue{state="overdue"} 0"#),
        "{text}"
    );
    for name in [
        r#"mercato_db_pool_connections{pool="read",state="open"}"#,
        r#"mercato_outbox_lag_entries{consumer="public_cache"}"#,
        r#"mercato_outbox_lag_entries{consumer="search_index"}"#,
        "mercato_usage_backlog_batches",
        r#"mercato_webhook_deliveries{status="pending"}"#,
        "mercato_webhook_deliveries_due",
        "mercato_search_index_lag_entries",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(name)),
            "{name} missing from {text}"
        );
    }
}

#[tokio::test]
async fn the_metrics_listener_serves_them_without_a_token() {
    let app = TestApp::spawn_with(|s| s.metrics_addr = Some("127.0.0.1:0".into())).await;
    let base = app.metrics_address.clone().expect("a metrics listener");
    let res = app
        .client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("mercato_usage_backlog_batches"));
    // The main listener still has no public /metrics.
    assert_eq!(
        app.get("/metrics", None).await.status(),
        StatusCode::NOT_FOUND
    );
}
