//! The search worker, driven step by step by the tests (the application runs without its
//! own): against outbox retention ("the node is down" is simply not stepping it, and the
//! outbox ages by the application's manual clock), and two workers sharing one index under
//! its lease.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::Utc;
use mercato::clock::Clock;
use mercato::entities::search_state;
use mercato::search::tantivy_engine::TantivyIndex;
use mercato::search::text::ParsedQuery;
use mercato::search::worker::{LeaseError, Worker};
use mercato::search::{SearchDocument, SearchIndex, SearchOutcome, SearchRequest, SharedIndex};
use mercato::store::outbox;
use reqwest::StatusCode;
use sea_orm::EntityTrait;
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
        renew_every: mercato::search::worker::RENEW_EVERY,
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

/// A search index that several workers write, as they share a Meilisearch index, and whose
/// commit the test holds back: a rebuild as slow as the test wants. It wraps one tantivy index
/// (shared by the wrappers of both workers) and counts the rebuilds (`clear`).
struct HeldIndex {
    inner: SharedIndex,
    clears: Arc<AtomicUsize>,
    /// Told when a commit has reached the index and waits for the gate.
    committing: Arc<tokio::sync::Notify>,
    gate: tokio::sync::watch::Receiver<bool>,
}

#[async_trait::async_trait]
impl SearchIndex for HeldIndex {
    fn engine(&self) -> &'static str {
        "held"
    }
    fn identity(&self) -> String {
        "held:shared-by-two-workers".into()
    }
    fn shared(&self) -> bool {
        true
    }
    async fn search(&self, request: &SearchRequest) -> anyhow::Result<SearchOutcome> {
        self.inner.search(request).await
    }
    async fn suggest(
        &self,
        query: &ParsedQuery,
        limit: usize,
    ) -> anyhow::Result<Vec<mercato_shared::api::search::Suggestion>> {
        self.inner.suggest(query, limit).await
    }
    async fn upsert(&self, docs: Vec<SearchDocument>) -> anyhow::Result<()> {
        self.inner.upsert(docs).await
    }
    async fn delete(&self, slugs: Vec<String>) -> anyhow::Result<()> {
        self.inner.delete(slugs).await
    }
    async fn clear(&self) -> anyhow::Result<()> {
        self.clears.fetch_add(1, Ordering::SeqCst);
        self.inner.clear().await
    }
    /// Like a Meilisearch commit, which waits (up to minutes) for its tasks to finish.
    async fn commit(&self) -> anyhow::Result<()> {
        self.inner.commit().await?;
        self.committing.notify_one();
        let mut gate = self.gate.clone();
        gate.wait_for(|open| *open).await?;
        Ok(())
    }
    async fn document_count(&self) -> anyhow::Result<u64> {
        self.inner.document_count().await
    }
}

struct Shared {
    app: TestApp,
    clock: Clock,
    inner: SharedIndex,
    clears: Arc<AtomicUsize>,
    _dir: tempfile::TempDir,
}

async fn shared_index() -> Shared {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with(|s| {
        s.search_worker = false;
        s.clock = clock.clone();
    })
    .await;
    app.import(&[
        record("harbour-relay", "Harbour Relay"),
        record("quay-ledger", "Quay Ledger"),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let inner: SharedIndex = Arc::new(TantivyIndex::open(dir.path()).unwrap());
    Shared {
        app,
        clock,
        inner,
        clears: Arc::default(),
        _dir: dir,
    }
}

impl Shared {
    /// A worker named `owner` on the shared index, renewing its lease every `renew_every`;
    /// its commits wait until the returned gate is opened (`send(true)`).
    fn worker(
        &self,
        owner: &str,
        renew_every: std::time::Duration,
    ) -> (
        Worker,
        tokio::sync::watch::Sender<bool>,
        Arc<tokio::sync::Notify>,
    ) {
        let (open, gate) = tokio::sync::watch::channel(false);
        let committing = Arc::new(tokio::sync::Notify::new());
        let index = HeldIndex {
            inner: self.inner.clone(),
            clears: self.clears.clone(),
            committing: committing.clone(),
            gate,
        };
        let worker = Worker {
            db: self.app.state.db.clone(),
            index: Arc::new(index),
            owner: owner.into(),
            notify: Arc::new(tokio::sync::Notify::new()),
            crash: None,
            clock: self.clock.clone(),
            renew_every,
        };
        (worker, open, committing)
    }

    async fn state(&self) -> search_state::Model {
        search_state::Entity::find_by_id("held:shared-by-two-workers".to_string())
            .one(&self.app.state.db.write)
            .await
            .unwrap()
            .expect("the index's state row")
    }
}

/// A rebuild that outlasts the lease (the manual clock moves a minute while the commit waits)
/// keeps it, because the worker renews it while waiting: a second worker finds it held and
/// rebuilds nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_rebuild_keeps_its_lease_and_no_other_worker_rebuilds() {
    let shared = shared_index().await;
    let fast = std::time::Duration::from_millis(20);
    let (a, open_a, a_committing) = shared.worker("node-a", fast);
    let (b, open_b, _) = shared.worker("node-b", fast);
    open_b.send(true).unwrap();
    let a = tokio::spawn(async move { a.step().await.map_err(|e| format!("{e:#}")) });
    a_committing.notified().await;
    assert_eq!(shared.clears.load(Ordering::SeqCst), 1);
    let token = shared.state().await.lease_token;

    shared.clock.advance(chrono::Duration::minutes(1));
    // Wait for node-a's renewal after the move (it renews every 20 ms).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let state = shared.state().await;
        if state
            .lease_until
            .is_some_and(|until| until > shared.clock.now())
        {
            assert_eq!(state.lease_owner.as_deref(), Some("node-a"));
            assert_eq!(state.lease_token, token);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "node-a never renewed its lease: {state:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(!b.step().await.unwrap(), "node-b finds the lease held");
    assert_eq!(shared.clears.load(Ordering::SeqCst), 1, "one rebuild only");

    open_a.send(true).unwrap();
    assert_eq!(a.await.unwrap(), Ok(true));
    let state = shared.state().await;
    assert!(state.last_outbox_id > 0, "node-a checkpointed: {state:?}");
    assert_eq!(state.lease_token, token);
    assert!(!b.step().await.unwrap());
    assert_eq!(shared.clears.load(Ordering::SeqCst), 1);
}

/// A worker that stalls past its lease (its renewals do not happen, like a paused process)
/// loses the lease to another, which rebuilds under a newer fencing token; when the stalled
/// one resumes, its checkpoint write is refused and its round fails with the lease lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_whose_lease_was_taken_cannot_write_its_checkpoint() {
    let shared = shared_index().await;
    let stalled = std::time::Duration::from_secs(3600);
    let (a, open_a, a_committing) = shared.worker("node-a", stalled);
    let (b, open_b, _) = shared.worker("node-b", std::time::Duration::from_millis(20));
    open_b.send(true).unwrap();
    let a = tokio::spawn(async move { a.step().await });
    a_committing.notified().await;
    let first = shared.state().await;
    assert_eq!(first.lease_owner.as_deref(), Some("node-a"));

    // While node-a waits, the lease runs out and a change is made.
    shared
        .app
        .import(&[record("wharf-sync", "Wharf Sync")])
        .await;
    shared.clock.advance(chrono::Duration::minutes(1));
    assert!(
        b.step().await.unwrap(),
        "node-b takes the lease and rebuilds"
    );
    assert_eq!(shared.clears.load(Ordering::SeqCst), 2);
    let taken = shared.state().await;
    assert_eq!(taken.lease_owner.as_deref(), Some("node-b"));
    assert!(
        taken.lease_token > first.lease_token,
        "a newer fencing token"
    );
    let latest = outbox::latest_id(&shared.app.state.db.read).await.unwrap();
    assert_eq!(taken.last_outbox_id, latest);

    open_a.send(true).unwrap();
    let refused = a
        .await
        .unwrap()
        .expect_err("node-a's checkpoint is refused");
    assert_eq!(
        refused.downcast_ref::<LeaseError>(),
        Some(&LeaseError::Lost(first.lease_token)),
        "{refused:#}"
    );
    let after = shared.state().await;
    assert_eq!(
        after.last_outbox_id, taken.last_outbox_id,
        "node-b's checkpoint stands"
    );
    assert_eq!(after.lease_owner.as_deref(), Some("node-b"));
    assert_eq!(after.lease_token, taken.lease_token);
}
