//! Trusted proxies: behind a load balancer, the client is what the balancer forwarded — but
//! only a trusted peer's forwarding headers count. The tests' client connects from 127.0.0.1,
//! which plays the balancer when it is trusted and a spoofing client when it is not.

use mercato::config::{Settings, TrustedProxies};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn trust_loopback(s: &mut Settings) {
    s.trusted_proxies = TrustedProxies(vec!["127.0.0.0/8".parse().unwrap()]);
}

/// GETs `path` as if forwarded for `client` (`X-Forwarded-For`).
async fn get_as(app: &TestApp, path: &str, client: &str) -> StatusCode {
    app.client
        .get(app.url(path))
        .header("x-forwarded-for", client)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance() {
    let app = TestApp::spawn_with(|s| {
        trust_loopback(s);
        s.rate_limit_per_address = 3;
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            get_as(&app, "/api/v1/categories", "198.51.100.1").await,
            StatusCode::OK
        );
    }
    assert_eq!(
        get_as(&app, "/api/v1/categories", "198.51.100.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same balancer is not held back.
    assert_eq!(
        get_as(&app, "/api/v1/categories", "198.51.100.2").await,
        StatusCode::OK
    );
    // A client prepending a made-up address to escape the limit gets nowhere: the balancer
    // appends what it saw, and that is what counts.
    assert_eq!(
        get_as(&app, "/api/v1/categories", "203.0.113.9, 198.51.100.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn an_untrusted_peer_cannot_spoof_its_address() {
    let app = TestApp::spawn_with(|s| s.rate_limit_per_address = 3).await;
    // Each request claims to be someone else; all count against the peer.
    for n in 1..=3 {
        let client = format!("198.51.100.{n}");
        assert_eq!(
            get_as(&app, "/api/v1/categories", &client).await,
            StatusCode::OK
        );
    }
    let forwarded = app
        .client
        .get(app.url("/api/v1/categories"))
        .header("forwarded", "for=198.51.100.77")
        .send()
        .await
        .unwrap();
    assert_eq!(forwarded.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// Refused sign-ins are audited with the client's address: the forwarded one behind a trusted
/// proxy, the peer's when the header comes from anyone else.
async fn audited_address_of_a_refused_sign_in(app: &TestApp, email: &str) -> String {
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "198.51.100.44")
        .json(&json!({"email": email, "password": "wrong password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let admin = app.admin().await;
    let page = expect_json(
        app.get(
            &format!("/api/v1/admin/audit?action=sign_in_failed&subject=email:{email}"),
            Some(&admin.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    page["items"][0]["ip"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_audit_log_keeps_the_forwarded_address_only_from_a_trusted_proxy() {
    let trusted = TestApp::spawn_with(trust_loopback).await;
    assert_eq!(
        audited_address_of_a_refused_sign_in(&trusted, "someone@example.com").await,
        "198.51.100.44"
    );
    let untrusted = TestApp::spawn().await;
    assert_eq!(
        audited_address_of_a_refused_sign_in(&untrusted, "someone@example.com").await,
        "127.0.0.1"
    );
}

/// Submits an intro lead for `acme-sync` as forwarded for `client`.
async fn lead_from(app: &TestApp, client: &str, email: &str) -> StatusCode {
    app.client
        .post(app.url("/api/v1/leads"))
        .header("x-forwarded-for", client)
        .json(&json!({
            "kind": "intro", "listing": "acme-sync", "contact_name": "Casey Jones",
            "email": email, "company_name": "Customer Co", "company_domain": "customer.example",
            "message": "Please introduce us.", "consent": true,
        }))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn the_hourly_lead_limit_counts_forwarded_clients_apart() {
    let app = TestApp::spawn_with(|s| {
        trust_loopback(s);
        s.leads_per_address_per_hour = 1;
    })
    .await;
    let owner = app.active_partner("acme").await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    app.published_listing(&owner, "acme", "acme-sync", "crm")
        .await;
    assert_eq!(
        lead_from(&app, "198.51.100.1", "one@customer.example").await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        lead_from(&app, "198.51.100.2", "two@customer.example").await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        lead_from(&app, "198.51.100.1", "three@customer.example").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
