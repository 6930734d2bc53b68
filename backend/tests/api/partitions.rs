//! The event history month by month: on PostgreSQL usage roll-ups and install events go into
//! monthly partitions the keeper makes ahead; with a retention, months past it go (whole
//! partitions on PostgreSQL, rows on SQLite), and the churn report of a later window does not
//! change because each install's last event before the cutoff is kept.

use chrono::{Duration, Utc};
use mercato::clock::Clock;
use mercato::store::partitions;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::helpers::*;
use crate::usage::{api_key, post_usage, wait_for_usage_fold};

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let db = &app.state.db.write;
    db.query_one(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

async fn partitions_of(app: &TestApp, table: &str) -> Vec<String> {
    let db = &app.state.db.write;
    db.query_all(Statement::from_string(
        db.get_database_backend(),
        format!(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhparent = '{table}'::regclass ORDER BY 1"
        ),
    ))
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.try_get_by_index::<String>(0).unwrap())
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn months_past_the_retention_go_and_later_reports_stay_the_same() {
    // The marketplace's clock starts 20 months ago: that month gets usage and an install.
    let long_ago = Utc::now() - Duration::days(20 * 31);
    let clock = Clock::manual(long_ago);
    let app = TestApp::spawn_with(|s| s.clock = clock.clone()).await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let owner = app.active_partner("acme").await;
    app.published_listing(&owner, "acme", "acme-sync", "crm")
        .await;
    let customer = app.register("casey@customer.example").await;
    let ws = app
        .installed_workspace(&customer, "Casey", "acme-sync")
        .await;
    let key = api_key(&app, &owner, "acme").await;
    let at = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let res = post_usage(
        &app,
        &key,
        &json!([{"workspace": ws, "listing": "acme-sync", "occurred_at": at(long_ago)}]),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    wait_for_usage_fold(&app, &admin).await;

    // Today: more usage, and the report of the last three months.
    clock.advance(Utc::now() - long_ago);
    let res = post_usage(&app, &key, &json!([{"workspace": ws, "listing": "acme-sync", "occurred_at": at(Utc::now() - Duration::minutes(1))}]), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    wait_for_usage_fold(&app, &admin).await;
    let today = Utc::now().date_naive();
    let churn_path = format!(
        "/api/v1/analytics/churn?from={}&to={today}",
        today - chrono::Days::new(90)
    );
    let churn_before: Value = expect_json(
        app.get(&churn_path, Some(&admin.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        scalar(&app, "SELECT CAST(COUNT(*) AS BIGINT) FROM usage_daily").await,
        2
    );

    if app.state.db.is_postgres() {
        // The keeper made the months around both dates; no row is in the default partition.
        let kept = partitions::keep(&app.state.db, Utc::now(), 0)
            .await
            .unwrap();
        let months = partitions_of(&app, "usage_daily").await;
        let this_month = format!("usage_daily_p{}", Utc::now().format("%Y%m"));
        let old_month = format!("usage_daily_p{}", long_ago.format("%Y%m"));
        assert!(
            months.contains(&this_month) && months.contains(&old_month),
            "{months:?} {kept:?}"
        );
        assert_eq!(
            scalar(
                &app,
                "SELECT CAST(COUNT(*) AS BIGINT) FROM usage_daily_default"
            )
            .await,
            0
        );
        assert_eq!(
            scalar(
                &app,
                "SELECT CAST(COUNT(*) AS BIGINT) FROM install_events_default"
            )
            .await,
            0
        );
        // A second round has nothing to do.
        let again = partitions::keep(&app.state.db, Utc::now(), 0)
            .await
            .unwrap();
        assert_eq!(again, partitions::Kept::default());
    }

    // Keep 14 months: the old month goes.
    let kept = partitions::keep(&app.state.db, Utc::now(), 14)
        .await
        .unwrap();
    assert_eq!(
        scalar(&app, "SELECT CAST(COUNT(*) AS BIGINT) FROM usage_daily").await,
        1,
        "{kept:?}"
    );
    if app.state.db.is_postgres() {
        let old_month = format!("usage_daily_p{}", long_ago.format("%Y%m"));
        assert!(kept.dropped.contains(&old_month), "{kept:?}");
        assert!(!partitions_of(&app, "usage_daily")
            .await
            .contains(&old_month));
    }
    // The install's history before the cutoff is its one baseline, just before the cutoff.
    assert_eq!(
        scalar(&app, "SELECT CAST(COUNT(*) AS BIGINT) FROM install_events").await,
        1
    );
    let churn_after: Value = expect_json(
        app.get(&churn_path, Some(&admin.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        churn_after, churn_before,
        "a report after the cutoff is unchanged"
    );
    // Nothing more to drop next time.
    let again = partitions::keep(&app.state.db, Utc::now(), 14)
        .await
        .unwrap();
    assert!(again.dropped.is_empty() && again.deleted == 0, "{again:?}");
    assert_eq!(
        scalar(&app, "SELECT CAST(COUNT(*) AS BIGINT) FROM install_events").await,
        1
    );
}
