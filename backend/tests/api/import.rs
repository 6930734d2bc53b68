//! `mercato import` against the test database.

use std::io::Write;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn write_gz(path: &std::path::Path, lines: &[String]) {
    let file = std::fs::File::create(path).unwrap();
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    for l in lines {
        writeln!(gz, "{l}").unwrap();
    }
    gz.finish().unwrap();
}

fn line(slug: &str, partner: &str, installs: i64, tagline: &str) -> String {
    json!({"slug": slug, "name": slug, "tagline": tagline, "description": format!("{slug} does things"), "partner": partner, "monthly_installs": installs}).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_creates_published_listings_and_reimport_updates_them() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("listings.jsonl.gz");
    let mut lines: Vec<String> = (0..250)
        .map(|i| {
            line(
                &format!("pkg-{i}"),
                &format!("vendor-{}", i % 7),
                i,
                "Does a thing",
            )
        })
        .collect();
    lines.push("{not json".into());
    lines.push(line("Bad Slug", "vendor-1", 1, "x"));
    lines.push(String::new());
    write_gz(&file, &lines);

    let db = mercato::db::Db::connect(&app.settings).await.unwrap();
    let report = mercato::import::import_file(&db, &file, 100).await.unwrap();
    assert_eq!(report.upserted, 250);
    assert_eq!(report.listings_created, 250);
    assert_eq!(report.partners_created, 7);
    assert_eq!(report.rejected, 2);
    assert_eq!(report.rejections[0].0, 251);

    let top = expect_json(
        app.get("/api/v1/listings?limit=2", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(top["items"][0]["slug"], "pkg-249");
    assert_eq!(top["items"][0]["monthly_installs"], 249);
    let l = expect_json(
        app.get("/api/v1/listings/pkg-3", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(l["partner"]["slug"], "vendor-3");
    expect_json(
        app.get("/api/v1/partners/vendor-3", None).await,
        StatusCode::OK,
    )
    .await;

    // Again, with changes: updated in place, nothing duplicated.
    let lines: Vec<String> = (0..250)
        .map(|i| {
            line(
                &format!("pkg-{i}"),
                &format!("vendor-{}", i % 7),
                1000 - i,
                "Does it better",
            )
        })
        .collect();
    write_gz(&file, &lines);
    let report = mercato::import::import_file(&db, &file, 64).await.unwrap();
    assert_eq!(report.upserted, 250);
    assert_eq!(report.listings_created, 0);
    assert_eq!(report.partners_created, 0);
    let top = expect_json(
        app.get("/api/v1/listings?limit=1", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(top["items"][0]["slug"], "pkg-0");
    assert_eq!(top["items"][0]["tagline"], "Does it better");
    let all = expect_json(
        app.get("/api/v1/partners/vendor-0/listings?limit=100", None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 36);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_jsonl_imports_too_and_keeps_delisted_listings_delisted() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("listings.jsonl");
    std::fs::write(
        &file,
        format!(
            "{}\n{}\n",
            line("one", "v", 5, "One"),
            line("two", "v", 3, "Two")
        ),
    )
    .unwrap();
    let db = mercato::db::Db::connect(&app.settings).await.unwrap();
    mercato::import::import_file(&db, &file, 10).await.unwrap();
    let admin = app.admin().await;
    app.action("/api/v1/listings/one/delist", Some(&admin.token))
        .await;
    mercato::import::import_file(&db, &file, 10).await.unwrap();
    expect_problem(
        app.get("/api/v1/listings/one", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_json(app.get("/api/v1/listings/two", None).await, StatusCode::OK).await;
    db.close().await;
}
