//! The search worker against outbox retention: the worker is driven step by step by the test
//! (the application runs without its own), so "the node is down" is simply not stepping it,
//! and the outbox ages by the application's manual clock.

use std::sync::Arc;

use chrono::Utc;
use mercato::clock::Clock;
use mercato::search::worker::Worker;
use mercato::store::outbox;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

fn record(slug: &str, name: &str) -> Value {
    json!({"slug": slug, "name": name, "tagline": "Moves files", "description": "Moves files",
           "partner": "dockside", "monthly_installs": 5})
}

/// The app without a search worker of its own, and a worker for the test to step.
async fn app_and_worker() -> (TestApp, Worker, Clock) {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with(|s| {
        s.search_worker = false;
        s.clock = clock.clone();
    })
    .await;
    let worker = Worker {
        db: app.state.db.clone(),
        index: app.state.search.clone(),
        owner: "test-worker".into(),
        notify: Arc::new(tokio::sync::Notify::new()),
        crash: None,
        clock: clock.clone(),
    };
    (app, worker, clock)
}

/// Steps the worker until it has nothing left to do.
async fn catch_up(worker: &Worker) {
    while worker.step().await.expect("a worker step") {}
}

async fn finds(app: &TestApp, q: &str, slug: &str) -> bool {
    hit_slugs(&app.search(&format!("q={q}")).await).contains(&slug.to_string())
}

async fn index_status(app: &TestApp, admin: &Session) -> Value {
    expect_json(
        app.get("/api/v1/admin/search/status", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await
}

/// An embedded index whose node is down for days: outbox entries it has not applied are kept
/// past the usual day; past the time the outbox waits for an index, they are pruned, and the
/// index notices the loss, rebuilds itself and says so in the admin status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_index_offline_past_the_outbox_retention_still_gets_every_change() {
    let (app, worker, clock) = app_and_worker().await;
    app.import(&[record("harbour-relay", "Harbour Relay")])
        .await;
    catch_up(&worker).await;
    assert!(finds(&app, "harbour%20", "harbour-relay").await);

    // Down for two days while a change is made.
    app.import(&[record("quay-ledger", "Quay Ledger")]).await;
    clock.advance(chrono::Duration::days(2));
    outbox::prune(&app.state.db.write, clock.now())
        .await
        .unwrap();
    let applied = app.state.db.read.clone();
    let checkpoint = index_status(&app, &app.admin().await).await["checkpoint"]
        .as_i64()
        .unwrap();
    assert!(
        !outbox::since(&applied, checkpoint, 10)
            .await
            .unwrap()
            .is_empty(),
        "entries the index has not applied are kept"
    );
    assert!(outbox::pruned_through(&applied).await.unwrap() <= checkpoint);
    catch_up(&worker).await;
    assert!(finds(&app, "quay%20", "quay-ledger").await);

    // Down for longer than the outbox waits for an index.
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let owner = app.active_partner("acme").await;
    app.published_listing(&owner, "acme", "acme-wharf", "crm")
        .await;
    clock.advance(outbox::ABANDONED_AFTER + chrono::Duration::days(1));
    let checkpoint = index_status(&app, &admin).await["checkpoint"]
        .as_i64()
        .unwrap();
    assert!(
        outbox::prune(&app.state.db.write, clock.now())
            .await
            .unwrap()
            > 0
    );
    assert!(
        outbox::pruned_through(&applied).await.unwrap() > checkpoint,
        "entries the index needed are gone"
    );
    assert!(!finds(&app, "wharf%20", "acme-wharf").await);
    catch_up(&worker).await;
    assert!(finds(&app, "wharf%20", "acme-wharf").await);
    assert!(finds(&app, "quay%20", "quay-ledger").await);
    let status = index_status(&app, &admin).await;
    assert_eq!(status["pending"], 0, "{status}");
    let recovery = &status["last_recovery"];
    assert!(
        recovery["reason"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("at outbox entry {checkpoint}")),
        "{status}"
    );
    assert_eq!(
        recovery["at"]
            .as_str()
            .map(|at| at.parse::<chrono::DateTime<Utc>>().unwrap()),
        Some(clock.now()),
        "{status}"
    );
    // Caught up, it stays so: no second rebuild.
    catch_up(&worker).await;
    assert_eq!(index_status(&app, &admin).await["last_recovery"], *recovery);
}
