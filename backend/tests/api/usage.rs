//! Partner API keys and usage ingestion.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

pub async fn api_key(app: &TestApp, owner: &Session, partner: &str) -> String {
    let res = app
        .post(
            &format!("/api/v1/partners/{partner}/api-keys"),
            Some(&owner.token),
            &json!({"name": "prod"}),
        )
        .await;
    expect_json(res, StatusCode::CREATED).await["secret"]
        .as_str()
        .unwrap()
        .to_string()
}

pub async fn post_usage(
    app: &TestApp,
    key: &str,
    events: &Value,
    idempotency: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/api/v1/usage"))
        .bearer_auth(key)
        .json(&json!({"events": events}));
    if let Some(k) = idempotency {
        req = req.header("idempotency-key", k);
    }
    req.send().await.unwrap()
}

/// Waits until every acknowledged batch is in the roll-ups, as the admin status reports it.
pub async fn wait_for_usage_fold(app: &TestApp, admin: &Session) {
    for _ in 0..200 {
        let status = expect_json(
            app.get("/api/v1/admin/usage/status", Some(&admin.token))
                .await,
            StatusCode::OK,
        )
        .await;
        if status["pending_batches"] == 0 {
            assert_eq!(status["pending_events"], 0);
            assert_eq!(status["oldest_pending_at"], Value::Null);
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the usage folder did not catch up in 5 s");
}

async fn setup() -> (TestApp, Session, i64) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let owner = app.active_partner("acme").await;
    app.published_listing(&owner, "acme", "acme-sync", "crm")
        .await;
    let rival = app.active_partner("rival").await;
    app.published_listing(&rival, "rival", "rival-sync", "crm")
        .await;
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
    (app, owner, ws["id"].as_i64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partner_admins_create_list_and_revoke_keys() {
    let (app, owner, _) = setup().await;
    let res = app
        .post(
            "/api/v1/partners/acme/api-keys",
            Some(&owner.token),
            &json!({"name": "prod"}),
        )
        .await;
    let created = expect_json(res, StatusCode::CREATED).await;
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("mk_") && secret.len() > 40);
    let list = expect_json(
        app.get("/api/v1/partners/acme/api-keys", Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list[0]["prefix"], &secret[..11]);
    assert!(list[0].get("secret").is_none(), "shown once only");
    expect_problem(
        app.post(
            "/api/v1/partners/acme/api-keys",
            Some(&owner.token),
            &json!({"name": ""}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    // Members who are not admins, other partners, customers: no.
    let member = app.register("dev@acme.example").await;
    app.post(
        "/api/v1/partners/acme/members",
        Some(&owner.token),
        &json!({"email": member.email, "role": "member"}),
    )
    .await;
    expect_problem(
        app.get("/api/v1/partners/acme/api-keys", Some(&member.token))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let rival = app.register("someone@rival.example").await;
    expect_problem(
        app.post(
            "/api/v1/partners/acme/api-keys",
            Some(&rival.token),
            &json!({"name": "x"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let id = created["key"]["id"].as_i64().unwrap();
    let ok = post_usage(&app, secret, &json!([]), None).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(
        app.delete(
            &format!("/api/v1/partners/acme/api-keys/{id}"),
            Some(&owner.token)
        )
        .await
        .status(),
        StatusCode::NO_CONTENT
    );
    expect_problem(
        post_usage(&app, secret, &json!([]), None).await,
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
    )
    .await;
    expect_problem(
        post_usage(&app, "mk_made-up", &json!([]), None).await,
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
    )
    .await;
    let res = app
        .client
        .post(app.url("/api/v1/usage"))
        .json(&json!({"events": []}))
        .send()
        .await
        .unwrap();
    expect_problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    // A user's access token is not an API key.
    expect_problem(
        post_usage(&app, &owner.token, &json!([]), None).await,
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_is_accepted_or_rejected_with_a_reason() {
    let (app, owner, ws) = setup().await;
    let key = api_key(&app, &owner, "acme").await;
    let now = chrono::Utc::now();
    let events = json!([
        {"workspace": ws, "listing": "acme-sync", "occurred_at": now.to_rfc3339(), "kind": "sync"},
        {"workspace": ws, "listing": "rival-sync", "occurred_at": now.to_rfc3339()},
        {"workspace": 999999, "listing": "acme-sync", "occurred_at": now.to_rfc3339()},
        {"workspace": ws, "listing": "nope", "occurred_at": now.to_rfc3339()},
        {"workspace": ws, "listing": "acme-sync", "occurred_at": (now + chrono::Duration::hours(2)).to_rfc3339()},
        {"workspace": ws, "listing": "acme-sync", "occurred_at": (now - chrono::Duration::days(500)).to_rfc3339()},
        {"workspace": ws, "listing": "acme-sync", "occurred_at": now.to_rfc3339(), "kind": "k".repeat(65)},
        {"workspace": ws, "listing": "acme-sync", "occurred_at": now.to_rfc3339()},
    ]);
    let receipt = expect_json(post_usage(&app, &key, &events, None).await, StatusCode::OK).await;
    assert_eq!(receipt["accepted"], 2);
    let reasons: Vec<(i64, String)> = receipt["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["index"].as_i64().unwrap(),
                r["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            (1, "listing_not_yours".into()),
            (2, "unknown_workspace".into()),
            (3, "unknown_listing".into()),
            (4, "in_future".into()),
            (5, "too_old".into()),
            (6, "invalid_kind".into()),
        ]
    );
    let a = expect_json(
        app.get("/api/v1/analytics/listings/acme-sync", Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    let today = a["series"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        today["active_workspaces"], 1,
        "two events of one workspace on one day: DAU 1"
    );
    assert_eq!(today["mau"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_batch_counts_once() {
    let (app, owner, ws) = setup().await;
    let key = api_key(&app, &owner, "acme").await;
    let day = |d: i64| (chrono::Utc::now() - chrono::Duration::days(d)).to_rfc3339();
    let events = json!([
        {"workspace": ws, "listing": "acme-sync", "occurred_at": day(1)},
        {"workspace": ws, "listing": "acme-sync", "occurred_at": day(2)},
    ]);
    let first = expect_json(
        post_usage(&app, &key, &events, Some("batch-1")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (first["accepted"].as_i64(), first["replayed"].as_bool()),
        (Some(2), Some(false))
    );
    let again = expect_json(
        post_usage(&app, &key, &events, Some("batch-1")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (again["accepted"].as_i64(), again["replayed"].as_bool()),
        (Some(2), Some(true))
    );
    let other = json!([{"workspace": ws, "listing": "acme-sync", "occurred_at": day(3)}]);
    expect_problem(
        post_usage(&app, &key, &other, Some("batch-1")).await,
        StatusCode::CONFLICT,
        "idempotency_key_reused",
    )
    .await;
    expect_problem(
        post_usage(&app, &key, &other, Some("bad key with spaces")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    // The roll-ups hold it once the folder has run.
    let admin = app.admin().await;
    wait_for_usage_fold(&app, &admin).await;
    let db = mercato::db::Db::connect(&app.settings).await.unwrap();
    use sea_orm::ConnectionTrait;
    let row = db
        .read
        .query_one(sea_orm::Statement::from_string(
            db.backend(),
            "SELECT CAST(SUM(events) AS BIGINT) AS n FROM usage_daily",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 2, "counted once");
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_batches_are_refused_whole() {
    let (app, owner, ws) = setup().await;
    let key = api_key(&app, &owner, "acme").await;
    let now = chrono::Utc::now().to_rfc3339();
    let too_many: Vec<Value> = (0..10_001)
        .map(|_| json!({"workspace": ws, "listing": "acme-sync", "occurred_at": now}))
        .collect();
    let p = expect_problem(
        post_usage(&app, &key, &json!(too_many), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), vec!["events"]);
    let p = expect_problem(
        post_usage(
            &app,
            &key,
            &json!([{"workspace": ws, "listing": "acme-sync", "occurred_at": "yesterday"}]),
            None,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), vec!["events[0].occurred_at"]);
    let p = expect_problem(
        post_usage(
            &app,
            &key,
            &json!([{"workspace": "casey", "listing": "acme-sync", "occurred_at": now}]),
            None,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), vec!["events[0].workspace"]);
    let res = app
        .client
        .post(app.url("/api/v1/usage"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    expect_problem(res, StatusCode::BAD_REQUEST, "malformed_json").await;
    // A full batch of 10,000 is fine.
    let full: Vec<Value> = (0..10_000)
        .map(|_| json!({"workspace": ws, "listing": "acme-sync", "occurred_at": now}))
        .collect();
    assert_eq!(
        expect_json(
            post_usage(&app, &key, &json!(full), None).await,
            StatusCode::OK
        )
        .await["accepted"],
        10_000
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backlog_is_for_admins_and_analytics_include_every_acknowledged_batch() {
    let (app, owner, ws) = setup().await;
    let key = api_key(&app, &owner, "acme").await;
    for (who, token) in [("nobody", None), ("partner", Some(owner.token.as_str()))] {
        let res = app.get("/api/v1/admin/usage/status", token).await;
        let expected = if token.is_none() {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(res.status(), expected, "{who}");
    }
    // Many small batches, each acknowledged before the next; the series asked for right after
    // the last answer counts every one of them.
    let today = chrono::Utc::now();
    for i in 0..40 {
        let events = json!([{"workspace": ws, "listing": "acme-sync",
            "occurred_at": (today - chrono::Duration::days(i % 5)).to_rfc3339()}]);
        expect_json(post_usage(&app, &key, &events, None).await, StatusCode::OK).await;
    }
    let from = (today - chrono::Duration::days(6)).date_naive();
    let series = expect_json(
        app.get(
            &format!("/api/v1/analytics/listings/acme-sync?from={from}&interval=day"),
            Some(&owner.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let points = series["series"].as_array().unwrap();
    let dau: i64 = points
        .iter()
        .map(|p| p["active_workspaces"].as_i64().unwrap())
        .sum();
    assert_eq!(
        dau, 5,
        "one workspace active on each of five days: {series}"
    );
    let admin = app.admin().await;
    wait_for_usage_fold(&app, &admin).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_moved_to_another_partner_by_an_import_leaves_the_old_partners_key() {
    let (app, owner, ws) = setup().await;
    let key = api_key(&app, &owner, "acme").await;
    let events = json!([{"workspace": ws, "listing": "acme-sync",
        "occurred_at": chrono::Utc::now().to_rfc3339()}]);
    // Accepted (and remembered by the server's lookups).
    let first = expect_json(post_usage(&app, &key, &events, None).await, StatusCode::OK).await;
    assert_eq!(first["accepted"], 1);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("move.jsonl");
    std::fs::write(
        &file,
        json!({"slug": "acme-sync", "name": "Acme Sync", "tagline": "Now by Rival",
            "description": "", "partner": "rival", "monthly_installs": 0})
        .to_string(),
    )
    .unwrap();
    let db = mercato::db::Db::connect(&app.settings).await.unwrap();
    mercato::import::import_file(&db, &file, 100).await.unwrap();
    db.close().await;

    // The server hears of the import through the outbox (polled every 500 ms).
    for _ in 0..100 {
        let body = expect_json(post_usage(&app, &key, &events, None).await, StatusCode::OK).await;
        if body["accepted"] == 0 {
            assert_eq!(body["rejected"][0]["reason"], "listing_not_yours");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the old partner's key still reports for the moved listing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_are_forgotten_after_their_keep_time() {
    let (app, owner, ws) = setup().await;
    let key = api_key(&app, &owner, "acme").await;
    let events = json!([{"workspace": ws, "listing": "acme-sync",
        "occurred_at": chrono::Utc::now().to_rfc3339()}]);
    let first = expect_json(
        post_usage(&app, &key, &events, Some("k-1")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(first["replayed"], false);

    let db = mercato::db::Db::connect(&app.settings).await.unwrap();
    let too_early = chrono::Utc::now() - mercato::usage::IDEMPOTENCY_KEEP;
    assert_eq!(
        mercato::usage::prune_idempotency_keys(&db.write, too_early)
            .await
            .unwrap(),
        0
    );
    let again = expect_json(
        post_usage(&app, &key, &events, Some("k-1")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["replayed"], true, "still remembered");

    let later = chrono::Utc::now() + chrono::Duration::seconds(1);
    assert_eq!(
        mercato::usage::prune_idempotency_keys(&db.write, later)
            .await
            .unwrap(),
        1
    );
    db.close().await;
    let fresh = expect_json(
        post_usage(&app, &key, &events, Some("k-1")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(fresh["replayed"], false, "a forgotten key counts as new");
}
