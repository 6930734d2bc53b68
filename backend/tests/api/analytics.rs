//! Adoption analytics: who may see what, bad input, and exactness against a generated
//! history whose answers the test computes on its own.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::usage::{api_key, post_usage};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_never_sees_another_partners_analytics() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let acme = app.active_partner("acme").await;
    app.published_listing(&acme, "acme", "acme-sync", "crm")
        .await;
    let rival = app.active_partner("rival").await;
    let customer = app.register("casey@customer.example").await;
    let analyst = app
        .account_with_role("analyst@mercato.example", "analyst")
        .await;

    expect_json(
        app.get("/api/v1/analytics/listings/acme-sync", Some(&acme.token))
            .await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        app.get("/api/v1/analytics/listings/acme-sync", Some(&analyst.token))
            .await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        app.get("/api/v1/analytics/listings/acme-sync", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    for token in [&rival.token, &customer.token] {
        expect_problem(
            app.get("/api/v1/analytics/listings/acme-sync", Some(token))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        expect_problem(
            app.get("/api/v1/analytics/adoption", Some(token)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        expect_problem(
            app.get("/api/v1/analytics/churn", Some(token)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    expect_problem(
        app.get("/api/v1/analytics/adoption", Some(&acme.token))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.get("/api/v1/analytics/listings/acme-sync", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    app.create_listing(&acme, "acme", "acme-draft", "crm").await;
    expect_problem(
        app.get("/api/v1/analytics/listings/acme-draft", Some(&rival.token))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_json(
        app.get("/api/v1/analytics/adoption", Some(&analyst.token))
            .await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        app.get("/api/v1/analytics/churn", Some(&analyst.token))
            .await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_analytics_queries_are_400s() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let acme = app.active_partner("acme").await;
    app.published_listing(&acme, "acme", "acme-sync", "crm")
        .await;
    for (query, field) in [
        ("from=2026-02-01&to=2026-01-01", "from"),
        ("from=2020-01-01&to=2026-01-01", "from"),
        ("to=2999-01-01", "to"),
        ("interval=year", "interval"),
        ("from=yesterday", "from"),
        ("format=xml", "format"),
    ] {
        let p = expect_problem(
            app.get(
                &format!("/api/v1/analytics/listings/acme-sync?{query}"),
                Some(&admin.token),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "invalid_query",
        )
        .await;
        assert_eq!(fields(&p), vec![field], "{query}");
    }
    for (path, field) in [
        ("adoption?as_of=2999-01-01", "as_of"),
        ("adoption?limit=0", "limit"),
        ("churn?from=2026-02-01&to=2026-01-01", "from"),
    ] {
        let p = expect_problem(
            app.get(&format!("/api/v1/analytics/{path}"), Some(&admin.token))
                .await,
            StatusCode::BAD_REQUEST,
            "invalid_query",
        )
        .await;
        assert_eq!(fields(&p), vec![field], "{path}");
    }
}

/// The install history of one (workspace, listing): (when, installed?) in time order.
type Changes = Vec<(DateTime<Utc>, bool)>;

/// A tiny deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn ratio(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        ((part as f64 / whole as f64) * 10_000.0).round() / 10_000.0
    }
}

/// 3 listings, 500 workspaces, installs and uninstalls over 150 days, churn dates, and usage
/// over 120 days — then every figure the API gives is compared with one computed here from
/// the generated history alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_are_exact_on_a_generated_history() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let acme = app.active_partner("acme").await;
    let slugs = ["alpha-sync", "beta-sync", "gamma-sync"];
    for slug in slugs {
        app.published_listing(&acme, "acme", slug, "crm").await;
    }
    let rival = app.active_partner("rival").await;
    app.published_listing(&rival, "rival", "rival-sync", "crm")
        .await;
    let analyst = app
        .account_with_role("analyst@mercato.example", "analyst")
        .await;
    let owner = app.register("owner@customers.example").await;
    let key = api_key(&app, &acme, "acme").await;

    let now = Utc::now();
    let today = now.date_naive();
    let at = |days_ago: u64, second: u32| -> DateTime<Utc> {
        let day = today - Days::new(days_ago);
        day.and_hms_opt(0, 0, 0).unwrap().and_utc() + chrono::Duration::seconds(second as i64)
    };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let db = mercato::db::Db::connect(&app.settings).await.unwrap();

    // Workspaces, created 150 days ago.
    let mut workspaces = Vec::new();
    for i in 0..500 {
        let w = mercato::store::workspaces::create(
            &db.write,
            format!("Customer {i}"),
            None,
            "pro".into(),
            owner.user_id,
            at(150, 43_200),
        )
        .await
        .unwrap();
        workspaces.push(w.id);
    }
    let listing_ids: Vec<i64> = {
        let mut ids = Vec::new();
        for slug in slugs {
            ids.push(
                mercato::store::listings::by_slug(&db.read, slug)
                    .await
                    .unwrap()
                    .0
                    .id,
            );
        }
        ids
    };

    // Install history: (workspace, listing) → [(when, installed?)] in time order.
    let mut history: BTreeMap<(i64, usize), Changes> = BTreeMap::new();
    for &w in &workspaces {
        for l in 0..3 {
            if !rng.chance(50) {
                continue;
            }
            let a = 1 + rng.below(140);
            let mut changes = vec![(at(a, rng.below(86_000) as u32), true)];
            if rng.chance(30) && a > 1 {
                let b = rng.below(a - 1) + 1;
                changes.push((at(b, rng.below(86_000) as u32), false));
                if rng.chance(30) && b > 1 {
                    let c = rng.below(b - 1) + 1;
                    changes.push((at(c, rng.below(86_000) as u32), true));
                }
            }
            history.insert((w, l), changes);
        }
    }
    // Applied in time order through the same code the API uses.
    let mut all: Vec<(DateTime<Utc>, i64, usize, bool)> = history
        .iter()
        .flat_map(|(&(w, l), changes)| changes.iter().map(move |&(t, on)| (t, w, l, on)))
        .collect();
    all.sort();
    for (t, w, l, on) in &all {
        use mercato::store::installs::{apply, Change};
        let change = if *on {
            Change::Install {
                source: mercato_shared::api::workspaces::InstallSource::Search,
                utm: Default::default(),
            }
        } else {
            Change::Uninstall
        };
        apply(&db.write, *w, listing_ids[*l], change, None, *t)
            .await
            .unwrap();
    }
    db.close().await;

    // Churn: every fifth workspace, on a day within the last 100.
    let mut churned: HashMap<i64, DateTime<Utc>> = HashMap::new();
    for (i, &w) in workspaces.iter().enumerate() {
        if i % 5 == 0 {
            let when = at(1 + rng.below(100), rng.below(86_000) as u32);
            let res = app
                .put(
                    &format!("/api/v1/workspaces/{w}/status"),
                    Some(&analyst.token),
                    &json!({"status": "churned", "churned_at": when.to_rfc3339()}),
                )
                .await;
            assert_eq!(res.status(), StatusCode::OK);
            churned.insert(w, when);
        }
    }

    // Usage over the last 120 days through the API, with some events that must not count.
    let seconds_today = (now - at(0, 0)).num_seconds().max(120) as u64 - 60;
    let mut active: HashMap<(usize, NaiveDate), BTreeSet<i64>> = HashMap::new();
    let mut events = Vec::new();
    for &(w, l) in history.keys() {
        for days_ago in 0..=120u64 {
            if !rng.chance(15) {
                continue;
            }
            for _ in 0..=rng.below(2) {
                let second = if days_ago == 0 {
                    rng.below(seconds_today)
                } else {
                    rng.below(86_400)
                } as u32;
                let t = at(days_ago, second);
                events.push(json!({"workspace": w, "listing": slugs[l], "occurred_at": t.to_rfc3339(), "kind": "sync"}));
                active.entry((l, t.date_naive())).or_default().insert(w);
            }
        }
        if rng.chance(5) {
            events.push(
                json!({"workspace": w, "listing": "rival-sync", "occurred_at": now.to_rfc3339()}),
            );
        }
    }
    let mut accepted = 0;
    for chunk in events.chunks(5000) {
        let receipt = expect_json(
            post_usage(&app, &key, &json!(chunk), None).await,
            StatusCode::OK,
        )
        .await;
        accepted += receipt["accepted"].as_i64().unwrap();
    }
    let expected_accepted: usize = events
        .iter()
        .filter(|e| e["listing"] != "rival-sync")
        .count();
    assert_eq!(accepted as usize, expected_accepted);

    // Expected figures, from the history alone.
    let installed_at_end = |w: i64, l: usize, day: NaiveDate| -> bool {
        let end = day.and_hms_opt(23, 59, 59).unwrap().and_utc();
        history
            .get(&(w, l))
            .and_then(|c| c.iter().rfind(|(t, _)| *t <= end))
            .is_some_and(|(_, on)| *on)
    };
    let changes_on = |l: usize, day: NaiveDate, on: bool| -> i64 {
        history
            .iter()
            .filter(|((_, hl), _)| *hl == l)
            .flat_map(|(_, c)| c.iter())
            .filter(|(t, o)| t.date_naive() == day && *o == on)
            .count() as i64
    };
    let mau_on = |l: usize, day: NaiveDate| -> i64 {
        let mut seen = BTreeSet::new();
        for back in 0..30 {
            if let Some(ws) = active.get(&(l, day - Days::new(back))) {
                seen.extend(ws.iter().copied());
            }
        }
        seen.len() as i64
    };
    let active_installs = |l: usize, day: NaiveDate| -> i64 {
        workspaces
            .iter()
            .filter(|&&w| installed_at_end(w, l, day))
            .count() as i64
    };

    let from = today - Days::new(89);
    for (l, slug) in slugs.iter().enumerate() {
        let body = expect_json(
            app.get(
                &format!("/api/v1/analytics/listings/{slug}?from={from}&to={today}&interval=day"),
                Some(&acme.token),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let series = body["series"].as_array().unwrap();
        assert_eq!(series.len(), 90);
        for point in series {
            let day: NaiveDate = point["start"].as_str().unwrap().parse().unwrap();
            let dau = active.get(&(l, day)).map_or(0, |s| s.len() as i64);
            let mau = mau_on(l, day);
            let installs_now = active_installs(l, day);
            assert_eq!(point["active_workspaces"], dau, "{slug} DAU {day}");
            assert_eq!(point["mau"], mau, "{slug} MAU {day}");
            assert_eq!(
                point["installs"],
                changes_on(l, day, true),
                "{slug} installs {day}"
            );
            assert_eq!(
                point["uninstalls"],
                changes_on(l, day, false),
                "{slug} uninstalls {day}"
            );
            assert_eq!(
                point["active_installs"], installs_now,
                "{slug} active installs {day}"
            );
            assert_eq!(
                point["adoption"].as_f64().unwrap(),
                ratio(mau, installs_now),
                "{slug} adoption {day}"
            );
        }

        // Calendar months: distinct workspaces over the month's days in the range.
        let monthly = expect_json(
            app.get(
                &format!("/api/v1/analytics/listings/{slug}?from={from}&to={today}&interval=month"),
                Some(&acme.token),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        for point in monthly["series"].as_array().unwrap() {
            let start: NaiveDate = point["start"].as_str().unwrap().parse().unwrap();
            let mut seen = BTreeSet::new();
            let mut d = start;
            while d <= today && d.month() == start.month() {
                if let Some(ws) = active.get(&(l, d)) {
                    seen.extend(ws.iter().copied());
                }
                d = d + Days::new(1);
            }
            assert_eq!(
                point["active_workspaces"],
                seen.len() as i64,
                "{slug} month of {start}"
            );
        }

        // CSV of the same.
        let csv = app
            .get(
                &format!("/api/v1/analytics/listings/{slug}?from={from}&to={today}&format=csv"),
                Some(&acme.token),
            )
            .await;
        assert!(csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let text = csv.text().await.unwrap();
        assert!(text.starts_with("start,installs,uninstalls,active_installs,active_workspaces,mau,adoption,views,clicks\n"));
        assert_eq!(text.lines().count(), 91);
    }

    // The adoption ranking, now and on a past day.
    for days_ago in [0u64, 20] {
        let as_of = today - Days::new(days_ago);
        let body = expect_json(
            app.get(
                &format!("/api/v1/analytics/adoption?as_of={as_of}"),
                Some(&analyst.token),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let rows: HashMap<String, Value> = body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["listing"].as_str().unwrap().to_string(), r.clone()))
            .collect();
        let mut expected_order = Vec::new();
        for (l, slug) in slugs.iter().enumerate() {
            let mau = mau_on(l, as_of);
            let installs_then = active_installs(l, as_of);
            let row = &rows[*slug];
            assert_eq!(row["mau"], mau, "{slug} MAU as of {as_of}");
            assert_eq!(
                row["active_installs"], installs_then,
                "{slug} installs as of {as_of}"
            );
            assert_eq!(row["adoption"].as_f64().unwrap(), ratio(mau, installs_then));
            expected_order.push((std::cmp::Reverse(mau), slug.to_string()));
        }
        let listed: Vec<String> = body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["listing"].as_str().unwrap().to_string())
            .collect();
        expected_order.sort();
        let maus: Vec<i64> = listed
            .iter()
            .map(|s| rows[s]["mau"].as_i64().unwrap())
            .collect();
        assert!(
            maus.windows(2).all(|w| w[0] >= w[1]),
            "ranked by MAU: {maus:?}"
        );
    }

    // Churn by number of integrations at the start of the last 60 days.
    let start = (today - Days::new(60))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let mut expected = [(0i64, 0i64); 4];
    for &w in &workspaces {
        let alive = churned.get(&w).is_none_or(|c| *c >= start);
        if !alive {
            continue;
        }
        let integrations = (0..3)
            .filter(|&l| {
                history
                    .get(&(w, l))
                    .and_then(|c| c.iter().rfind(|(t, _)| *t < start))
                    .is_some_and(|(_, on)| *on)
            })
            .count()
            .min(3);
        expected[integrations].0 += 1;
        if churned.get(&w).is_some_and(|c| *c >= start) {
            expected[integrations].1 += 1;
        }
    }
    let body = expect_json(
        app.get(
            &format!(
                "/api/v1/analytics/churn?from={}&to={today}",
                today - Days::new(60)
            ),
            Some(&analyst.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    for (i, bucket) in body["buckets"].as_array().unwrap().iter().enumerate() {
        assert_eq!(bucket["workspaces"], expected[i].0, "bucket {i}");
        assert_eq!(bucket["churned"], expected[i].1, "bucket {i}");
        assert_eq!(
            bucket["churn_rate"].as_f64().unwrap(),
            ratio(expected[i].1, expected[i].0)
        );
    }
    let csv = app
        .get(
            &format!(
                "/api/v1/analytics/churn?from={}&to={today}&format=csv",
                today - Days::new(60)
            ),
            Some(&analyst.token),
        )
        .await;
    assert_eq!(csv.text().await.unwrap().lines().count(), 5);
}

/// Listing names are written by partners and end up in analysts' spreadsheets through the CSV
/// exports: a name a spreadsheet would run as a formula arrives escaped (a leading `'`), and
/// cells with separators or quotes are quoted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_exports_escape_spreadsheet_formulas() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let acme = app.active_partner("acme").await;
    let customer = app.register("casey@customer.example").await;
    let names = [
        ("acme-link", r#"=HYPERLINK("https://evil.example","Open")"#),
        ("acme-sum", "@SUM(A1:A9)"),
        ("acme-plus", "+1+2"),
        ("acme-minus", "-3, or fewer"),
        ("acme-plain", "Plain, with a comma"),
    ];
    for (slug, name) in names {
        let mut body = listing_body("acme", slug, "crm");
        body["name"] = json!(name);
        expect_json(
            app.post("/api/v1/listings", Some(&acme.token), &body).await,
            StatusCode::CREATED,
        )
        .await;
        expect_json(
            app.action(
                &format!("/api/v1/listings/{slug}/submit"),
                Some(&acme.token),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        expect_json(
            app.action(
                &format!("/api/v1/listings/{slug}/approve"),
                Some(&admin.token),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        app.installed_workspace(&customer, &format!("Team {slug}"), slug)
            .await;
    }
    let analyst = app
        .account_with_role("analyst@mercato.example", "analyst")
        .await;
    let res = app
        .get(
            "/api/v1/analytics/adoption?format=csv",
            Some(&analyst.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let csv = res.text().await.unwrap();
    let line = |slug: &str| {
        csv.lines()
            .find(|l| l.starts_with(&format!("{slug},")))
            .unwrap_or_else(|| panic!("no line for {slug} in\n{csv}"))
            .to_string()
    };
    assert!(
        line("acme-link")
            .starts_with(r#"acme-link,"'=HYPERLINK(""https://evil.example"",""Open"")",acme,"#),
        "{csv}"
    );
    assert!(
        line("acme-sum").starts_with("acme-sum,'@SUM(A1:A9),acme,"),
        "{csv}"
    );
    assert!(
        line("acme-plus").starts_with("acme-plus,'+1+2,acme,"),
        "{csv}"
    );
    assert!(
        line("acme-minus").starts_with(r#"acme-minus,"'-3, or fewer",acme,"#),
        "{csv}"
    );
    assert!(
        line("acme-plain").starts_with(r#"acme-plain,"Plain, with a comma",acme,"#),
        "{csv}"
    );
}
