//! Several nodes on one database: what they must share is shared or refused. These nodes run
//! in this process against one database (PostgreSQL, or one SQLite file); the process-level
//! tests (SIGKILL, the load balancer) are in `cluster_processes.rs`.

use std::time::Duration;

use mercato::auth::install_tokens::InstallKeys;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_with_another_key_is_refused_at_start_saying_which() {
    let first = TestApp::spawn().await;
    let refused = first
        .try_spawn_beside(|s| s.webhook_key = Some(format!("{}=", "A".repeat(43)).into()))
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(refused.contains("MERCATO_WEBHOOK_KEY"), "{refused}");
    let refused = first
        .try_spawn_beside(|s| {
            s.jwt_secret = Some("another-secret-of-at-least-32-bytes-0123456789".into())
        })
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(refused.contains("MERCATO_JWT_SECRET"), "{refused}");
    // With the same keys it starts, and a session of one node works on the other.
    let second = first.spawn_beside(|_| {}).await;
    let alice = first.register("alice@customer.example").await;
    let me = expect_json(
        second.get("/api/v1/me", Some(&alice.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["email"], "alice@customer.example");
}

async fn jwks(app: &TestApp) -> Value {
    expect_json(
        app.get("/.well-known/jwks.json", None).await,
        StatusCode::OK,
    )
    .await
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

/// Polls both nodes until `done` holds for each (a rotation reaches every node within
/// `install_tokens::REFRESH_EVERY`).
async fn until_both(a: &TestApp, b: &TestApp, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    for _ in 0..200 {
        let (ka, kb) = (kids(&jwks(a).await), kids(&jwks(b).await));
        if done(&ka) && ka == kb {
            return ka;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the nodes did not converge on the key set");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_node_publishes_and_signs_with_the_same_keys_and_follows_a_rotation() {
    let a = TestApp::spawn().await;
    let b = a.spawn_beside(|_| {}).await;
    let first = kids(&jwks(&a).await);
    assert_eq!(first.len(), 1);
    assert_eq!(first, kids(&jwks(&b).await), "one key set for the cluster");

    // Rotated by one node (or the CLI): both publish the new key first and sign with it,
    // without a restart.
    let new_kid = InstallKeys::rotate(&a.state.db, &a.state.webhook_secrets)
        .await
        .unwrap();
    let both = until_both(&a, &b, |k| k.len() == 2).await;
    assert_eq!(both[0], new_kid);
    for node in [&a, &b] {
        let (token, _) = node.state.install_keys.issue("acme", 1, "x", 1).unwrap();
        let kid = jsonwebtoken::decode_header(&token).unwrap().kid.unwrap();
        assert_eq!(kid, new_kid);
        // The other node verifies it.
        let other = if std::ptr::eq(node, &a) { &b } else { &a };
        assert!(other.state.install_keys.verify(&token, "acme").is_ok());
    }

    // Retired: gone from both.
    let retired = InstallKeys::retire(&b.state.db, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(retired, first);
    let left = until_both(&a, &b, |k| k.len() == 1).await;
    assert_eq!(left, vec![new_kid]);
}

/// The per-address limit holds for the cluster: two nodes on one PostgreSQL let one client
/// through no more than 110 % of its allowance between them (they lease slices of one bucket).
/// On SQLite — one node by design — the one node holds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limits_hold_for_the_cluster_as_a_whole() {
    let allowance = 40;
    let a = TestApp::spawn_with(|s| s.rate_limit_per_address = allowance).await;
    let nodes = if a.state.db.is_postgres() {
        let b = a.spawn_beside(|_| {}).await;
        vec![a, b]
    } else {
        vec![a]
    };
    let mut passed = 0;
    let mut limited = 0;
    for i in 0..(allowance as usize * 5) {
        let node = &nodes[i % nodes.len()];
        match node.get("/api/v1/categories", None).await.status() {
            StatusCode::OK => passed += 1,
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            other => panic!("unexpected {other}"),
        }
    }
    let most = allowance as usize * 11 / 10;
    assert!(
        passed <= most,
        "{passed} passed on {} node(s), at most {most} may",
        nodes.len()
    );
    assert!(passed >= allowance as usize * 9 / 10, "{passed} passed");
    assert!(limited > 0);
}
