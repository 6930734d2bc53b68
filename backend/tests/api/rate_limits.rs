//! Abuse limits on every route: per client address, per account and per API key, answered
//! 429 `rate_limited` with `Retry-After`; and the limits on request size (body and headers).

use mercato::config::Settings;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;
use crate::usage::api_key;

/// Sets the three allowances per minute (0: off).
fn limits(s: &mut Settings, per_address: u32, per_account: u32, per_api_key: u32) {
    s.rate_limit_per_address = per_address;
    s.rate_limit_per_account = per_account;
    s.rate_limit_per_api_key = per_api_key;
}

/// Asserts a 429 problem whose `Retry-After` is `seconds`.
async fn expect_limited(res: reqwest::Response, seconds: &str) -> serde_json::Value {
    let retry_after = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let problem = expect_problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_eq!(
        retry_after.as_deref(),
        Some(seconds),
        "Retry-After of {problem}"
    );
    problem
}

#[tokio::test]
async fn every_route_counts_against_the_client_address() {
    let app = TestApp::spawn_with(|s| limits(s, 6, 0, 0)).await;
    // API routes, pages and failing requests all count.
    for path in [
        "/api/v1/categories",
        "/api/v1/search?q=x",
        "/search",
        "/api/v1/no-such-route",
        "/api/v1/me",
        "/api/v1/categories",
    ] {
        let status = app.get(path, None).await.status();
        assert_ne!(status, StatusCode::TOO_MANY_REQUESTS, "{path}");
    }
    // Six a minute: the next is refused, for ten seconds.
    let problem = expect_limited(app.get("/api/v1/categories", None).await, "10").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("address"),
        "{problem}"
    );
    expect_limited(
        app.post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "a@b.co", "password": "x"}),
        )
        .await,
        "10",
    )
    .await;
    // Health checks stay answerable for the load balancer.
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_account_has_its_own_allowance() {
    let app = TestApp::spawn_with(|s| limits(s, 0, 4, 0)).await;
    let alice = app.register("alice@limits.example").await;
    let bob = app.register("bob@limits.example").await;
    for _ in 0..4 {
        assert_eq!(
            app.get("/api/v1/me", Some(&alice.token)).await.status(),
            StatusCode::OK
        );
    }
    let problem = expect_limited(app.get("/api/v1/me", Some(&alice.token)).await, "15").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("account"),
        "{problem}"
    );
    // A second session of the same account shares the allowance.
    let again = session_of(
        expect_json(
            app.login("alice@limits.example", PASSWORD).await,
            StatusCode::OK,
        )
        .await,
    );
    expect_limited(app.get("/api/v1/me", Some(&again.token)).await, "15").await;
    // Others (and anonymous requests from the same address) are not held back.
    assert_eq!(
        app.get("/api/v1/me", Some(&bob.token)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/categories", None).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_api_key_has_its_own_allowance() {
    let app = TestApp::spawn_with(|s| limits(s, 0, 0, 3)).await;
    let owner = app.active_partner("limited").await;
    let first = api_key(&app, &owner, "limited").await;
    let second = api_key(&app, &owner, "limited").await;
    let events = json!({"events": []});
    for _ in 0..3 {
        let res = app.post("/api/v1/usage", Some(&first), &events).await;
        assert_ne!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    let problem =
        expect_limited(app.post("/api/v1/usage", Some(&first), &events).await, "20").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("API key"),
        "{problem}"
    );
    let res = app.post("/api/v1/usage", Some(&second), &events).await;
    assert_ne!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_default_limits_let_a_busy_client_through() {
    // 1,200 requests a minute per address, 600 per account: a page's worth of calls in a burst
    // is far below.
    let app = TestApp::spawn().await;
    let alice = app.register("busy@limits.example").await;
    for _ in 0..100 {
        assert_eq!(
            app.get("/api/v1/me", Some(&alice.token)).await.status(),
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn oversize_headers_are_refused() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/api/v1/categories"))
        .header("x-padding", "x".repeat(64 * 1024))
        .send()
        .await
        .unwrap();
    expect_problem(
        res,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    )
    .await;
    // Ordinary headers pass.
    let res = app
        .client
        .get(app.url("/api/v1/categories"))
        .header("x-padding", "x".repeat(4 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
