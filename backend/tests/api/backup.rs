//! `mercato backup` / `mercato restore`: a backup taken while usage keeps arriving holds every
//! batch acknowledged before it began, and restores into a fresh data directory.

use std::sync::{Arc, Mutex};

use mercato::config::Settings;
use mercato::db::Db;
use mercato::entities::usage_batches;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::helpers::*;
use crate::usage::{api_key, post_usage};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_usage_arrives_holds_every_batch_acknowledged_before_it() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mercato-backup.tar.gz");
    if app.state.db.is_postgres() {
        let refused = mercato::backup::create(&app.settings, &file)
            .await
            .unwrap_err()
            .to_string();
        assert!(refused.contains("pg_dump"), "{refused}");
        assert!(!file.exists());
        return;
    }
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let owner = app.active_partner("acme").await;
    app.published_listing(&owner, "acme", "acme-sync", "crm")
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
    .await["id"]
        .as_i64()
        .unwrap();
    let key = api_key(&app, &owner, "acme").await;

    // Batches keep arriving; each acknowledged key is noted as its answer comes.
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(tokio::sync::Notify::new());
    let sender = {
        let (acked, stop) = (acked.clone(), stop.clone());
        let app_url = app.address.clone();
        let client = app.client.clone();
        let key = key.clone();
        tokio::spawn(async move {
            for n in 0.. {
                let idempotency = format!("batch-{n}");
                let events = json!({"events": [{
                    "workspace": ws, "listing": "acme-sync",
                    "occurred_at": chrono::Utc::now().to_rfc3339(),
                }]});
                let send = client
                    .post(format!("{app_url}/api/v1/usage"))
                    .bearer_auth(&key)
                    .header("idempotency-key", &idempotency)
                    .json(&events)
                    .send();
                tokio::select! {
                    res = send => {
                        if res.unwrap().status() == StatusCode::OK {
                            acked.lock().unwrap().push(idempotency);
                        }
                    }
                    _ = stop.notified() => return,
                }
            }
        })
    };
    while acked.lock().unwrap().len() < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before: Vec<String> = acked.lock().unwrap().clone();
    let report = mercato::backup::create(&app.settings, &file).await.unwrap();
    assert!(report.database_bytes > 0);
    assert!(report.secret_files >= 1, "the webhook key, at least");
    // More arrive after the backup began: they may or may not be in it.
    let target = acked.lock().unwrap().len() + 10;
    while acked.lock().unwrap().len() < target {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    stop.notify_one();
    sender.await.unwrap();
    // The server is still up and counting.
    let res = post_usage(
        &app,
        &key,
        &json!([{"workspace": ws, "listing": "acme-sync", "occurred_at": chrono::Utc::now().to_rfc3339()}]),
        Some("after-the-backup"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);

    // Restore into a new data directory and open it.
    let restored_dir = tempfile::tempdir().unwrap();
    let data_dir = restored_dir.path().join("data");
    mercato::backup::restore(&file, &data_dir, false)
        .await
        .unwrap();
    assert!(data_dir.join("secrets/webhook.key").exists());
    let again = mercato::backup::restore(&file, &data_dir, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(again.contains("--force"), "{again}");
    let restored = Db::connect(&Settings {
        data_dir: data_dir.clone(),
        ..Settings::default()
    })
    .await
    .unwrap();
    let present = usage_batches::Entity::find()
        .filter(usage_batches::Column::IdempotencyKey.is_in(before.iter().map(String::as_str)))
        .count(&restored.read)
        .await
        .unwrap();
    assert_eq!(
        present as usize,
        before.len(),
        "every batch acknowledged before the backup"
    );
    let later = usage_batches::Entity::find()
        .filter(usage_batches::Column::IdempotencyKey.eq("after-the-backup"))
        .count(&restored.read)
        .await
        .unwrap();
    assert_eq!(later, 0, "nothing of after the backup");
}
