//! The search contract: every test runs on the embedded tantivy index and on Meilisearch.
//! The Meilisearch side needs a server (`MEILISEARCH_URL`): nextest's default profile leaves
//! those tests out (reported as skipped), `--profile meilisearch` runs them (see
//! `.config/nextest.toml`).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// Runs a contract test on each engine.
macro_rules! contract {
    ($name:ident) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn tantivy() {
                super::$name(Engine::Tantivy).await
            }

            /// Run only where a Meilisearch server is named; without one it fails rather than
            /// pass having tested nothing.
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn meilisearch() {
                let engine = Engine::meilisearch().expect(
                    "MEILISEARCH_URL names no Meilisearch server to run the contract against \
                     (nextest's default profile skips these tests)",
                );
                super::$name(engine).await
            }
        }
    };
}

fn record(slug: &str, name: &str, tagline: &str, partner: &str, installs: i64) -> Value {
    json!({"slug": slug, "name": name, "tagline": tagline, "description": tagline, "partner": partner, "monthly_installs": installs})
}

/// A small marketplace: listings made through the API (with categories, use cases, pricing)
/// plus imported ones with install counts.
async fn marketplace(engine: &Engine) -> (TestApp, Session, Session) {
    let app = TestApp::spawn_engine(engine).await;
    let admin = app.admin().await;
    app.create_category(&admin, "finance").await;
    app.create_category(&admin, "crm").await;
    let owner = app.active_partner("northwind").await;
    let listing = |slug: &str,
                   name: &str,
                   tagline: &str,
                   description: &str,
                   category: &str,
                   use_cases: Value,
                   pricing: &str| {
        json!({
            "partner": "northwind", "slug": slug, "name": name, "tagline": tagline,
            "description": description, "categories": [category], "use_cases": use_cases,
            "install_url": "https://northwind.example/install", "pricing": {"model": pricing},
        })
    };
    for body in [
        listing(
            "invoice-courier",
            "Invoice Courier",
            "Post paid invoices to Slack",
            "Finance alerts for <b>teams</b>.",
            "finance",
            json!(["sync invoices to slack", "overdue invoice alerts"]),
            "freemium",
        ),
        listing(
            "lead-router",
            "Lead Router",
            "Route inbound leads to reps",
            "Salesforce lead routing by territory.",
            "crm",
            json!(["salesforce lead routing"]),
            "paid",
        ),
        listing(
            "ledger-bridge",
            "Ledger Bridge",
            "Books in sync",
            "Keeps your general ledger and bank feeds in sync.",
            "finance",
            json!([]),
            "free",
        ),
    ] {
        let res = app
            .post("/api/v1/listings", Some(&owner.token), &body)
            .await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
        let slug = body["slug"].as_str().unwrap();
        app.action(
            &format!("/api/v1/listings/{slug}/submit"),
            Some(&owner.token),
        )
        .await;
        let res = app
            .action(
                &format!("/api/v1/listings/{slug}/approve"),
                Some(&admin.token),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    app.import(&[
        record(
            "ledgerly",
            "Ledgerly",
            "Double-entry bookkeeping",
            "ledgerly-inc",
            50,
        ),
        record(
            "bookkeeper-pro",
            "Bookkeeper Pro",
            "Your ledger, reconciled nightly",
            "bk",
            900_000,
        ),
        record(
            "twin-a",
            "Twin A",
            "Identical twin text for ties",
            "twins",
            10,
        ),
        record(
            "twin-b",
            "Twin B",
            "Identical twin text for ties",
            "twins",
            5000,
        ),
        record(
            "salesforce-sync",
            "Salesforce Sync",
            "Two-way contact sync",
            "sfs",
            100,
        ),
    ])
    .await;
    app.wait_for_search().await;
    (app, owner, admin)
}

async fn finds_listings_by_every_searchable_field(engine: Engine) {
    let (app, _, _) = marketplace(&engine).await;
    for (q, slug) in [
        ("q=courier", "invoice-courier"),                    // name
        ("q=inbound%20leads", "lead-router"),                // tagline
        ("q=territory", "lead-router"),                      // description
        ("q=overdue%20invoice%20alerts", "invoice-courier"), // use case
        ("q=crm", "lead-router"),                            // category name
        ("q=northwind%20ledger", "ledger-bridge"),           // partner name
    ] {
        let body = app.search(q).await;
        assert!(
            hit_slugs(&body).contains(&slug.to_string()),
            "{q}: {:?}",
            hit_slugs(&body)
        );
        assert_eq!(
            body["engine"],
            if matches!(engine, Engine::Tantivy) {
                "tantivy"
            } else {
                "meilisearch"
            }
        );
        assert!(body["took_ms"].as_f64().unwrap() >= 0.0);
    }
    let body = app.search("q=zzzqqq").await;
    assert_eq!(body["hits"], json!([]));
    assert_eq!(body["estimated_total"], 0);
}
contract!(finds_listings_by_every_searchable_field);

async fn tolerates_typos_by_word_length(engine: Engine) {
    let (app, _, _) = marketplace(&engine).await;
    // 7 letters: one typo.
    let body = app.search("q=couriet%20").await;
    assert_eq!(
        hit_slugs(&body).first().map(String::as_str),
        Some("invoice-courier"),
        "{body}\nexact word: {}",
        app.search("q=courier").await
    );
    // 10 letters: two typos.
    assert!(
        hit_slugs(&app.search("q=slaesforse%20").await).contains(&"salesforce-sync".to_string())
    );
    // 6 letters: not two.
    assert!(!hit_slugs(&app.search("q=ldgrer%20").await).contains(&"ledgerly".to_string()));
    // 4 letters: none.
    assert!(app.search("q=lesd%20").await["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["slug"] != "lead-router"));
}
contract!(tolerates_typos_by_word_length);

async fn completes_the_last_word_as_a_prefix(engine: Engine) {
    let (app, _, _) = marketplace(&engine).await;
    assert!(
        hit_slugs(&app.search("q=invoice%20cour").await).contains(&"invoice-courier".to_string())
    );
    let suggest = expect_json(
        app.get("/api/v1/search/suggest?q=salesfo", None).await,
        StatusCode::OK,
    )
    .await;
    let texts: Vec<&str> = suggest["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert!(texts.contains(&"Salesforce Sync"), "{texts:?}");
    assert!(texts.contains(&"salesforce lead routing"), "{texts:?}");
    let use_case = suggest["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "use_case")
        .unwrap();
    assert!(use_case["highlighted"]
        .as_str()
        .unwrap()
        .contains("<mark>salesforce</mark>"));
    let typo = expect_json(
        app.get("/api/v1/search/suggest?q=ledgerlx", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(typo["suggestions"][0]["text"], "Ledgerly");
    let none = expect_json(
        app.get("/api/v1/search/suggest?q=", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(none["suggestions"], json!([]));
}
contract!(completes_the_last_word_as_a_prefix);

async fn ranks_name_matches_above_description_matches_and_popularity_breaks_ties(engine: Engine) {
    let (app, _, _) = marketplace(&engine).await;
    // "ledger": in the names of Ledger Bridge (few installs) and Ledgerly (typo-free prefix
    // no: whole word differs), in the tagline of the very popular Bookkeeper Pro.
    let slugs = hit_slugs(&app.search("q=ledger%20").await);
    let bridge = slugs.iter().position(|s| s == "ledger-bridge").unwrap();
    let pro = slugs.iter().position(|s| s == "bookkeeper-pro").unwrap();
    assert!(bridge < pro, "{slugs:?}");
    let twins = hit_slugs(&app.search("q=identical%20twin").await);
    assert_eq!(
        twins,
        vec!["twin-b", "twin-a"],
        "same text: the more installed first"
    );
    // The whole name spelled out wins.
    assert_eq!(
        hit_slugs(&app.search("q=lead%20router").await)[0],
        "lead-router"
    );
}
contract!(ranks_name_matches_above_description_matches_and_popularity_breaks_ties);

async fn an_empty_query_lists_by_popularity(engine: Engine) {
    let (app, _, _) = marketplace(&engine).await;
    let body = app.search("q=&limit=3").await;
    assert_eq!(hit_slugs(&body)[0], "bookkeeper-pro");
    assert_eq!(body["estimated_total"], 8);
    let all = app.search("limit=100").await;
    let installs: Vec<i64> = all["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["installs"].as_i64().unwrap())
        .collect();
    let mut sorted = installs.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(installs, sorted);
}
contract!(an_empty_query_lists_by_popularity);

async fn filters_narrow_and_facets_count(engine: Engine) {
    let (app, _, admin) = marketplace(&engine).await;
    app.put(
        "/api/v1/listings/lead-router/badges",
        Some(&admin.token),
        &json!({"badges": ["staff-pick"]}),
    )
    .await;
    app.wait_for_search().await;
    let body = app.search("q=").await;
    let category = &body["facets"]["category"];
    assert!(
        category
            .as_array()
            .unwrap()
            .contains(&json!({"value": "finance", "count": 2})),
        "{category}"
    );
    assert!(
        body["facets"]["pricing"]
            .as_array()
            .unwrap()
            .contains(&json!({"value": "free", "count": 6})),
        "{}",
        body["facets"]
    );
    assert_eq!(
        body["facets"]["badge"],
        json!([{"value": "staff-pick", "count": 1}])
    );

    assert_eq!(
        hit_slugs(&app.search("category=crm").await),
        vec!["lead-router"]
    );
    assert_eq!(
        hit_slugs(&app.search("pricing=paid").await),
        vec!["lead-router"]
    );
    assert_eq!(
        hit_slugs(&app.search("badge=staff-pick").await),
        vec!["lead-router"]
    );
    let mut by_partner = hit_slugs(&app.search("partner=twins").await);
    by_partner.sort();
    assert_eq!(by_partner, vec!["twin-a", "twin-b"]);
    let combined = app
        .search("q=invoices&category=finance&pricing=freemium")
        .await;
    assert_eq!(hit_slugs(&combined), vec!["invoice-courier"]);
    assert_eq!(
        combined["facets"]["category"],
        json!([{"value": "finance", "count": 1}])
    );
}
contract!(filters_narrow_and_facets_count);

async fn highlights_mark_matches_and_escape_html(engine: Engine) {
    let (app, _, _) = marketplace(&engine).await;
    let body = app.search("q=finance%20teams").await;
    let hit = &body["hits"][0];
    assert_eq!(hit["slug"], "invoice-courier");
    assert_eq!(
        hit["highlights"]["description"],
        "<mark>Finance</mark> alerts for &lt;b&gt;<mark>teams</mark>&lt;/b&gt;."
    );
    let body = app.search("q=invoice%20courier").await;
    assert_eq!(
        body["hits"][0]["highlights"]["name"],
        "<mark>Invoice</mark> <mark>Courier</mark>"
    );
    assert_eq!(body["hits"][0]["partner"]["slug"], "northwind");
    assert_eq!(body["hits"][0]["categories"], json!(["finance"]));
}
contract!(highlights_mark_matches_and_escape_html);

/// Partners write descriptions (and sometimes taglines) in Markdown; results show the words a
/// reader of the listing page sees, never the markup.
async fn snippets_and_taglines_are_plain_text(engine: Engine) {
    let app = TestApp::spawn_engine(&engine).await;
    app.import(&[json!({
        "slug": "quayside-ledger", "name": "Quayside Ledger",
        "tagline": "Reconcile **every** dock fee",
        "description": "## Features\n\n- **Fast** reconciliation of [dock fees](https://quayside.example/docs)\n- `nightly` exports",
        "partner": "quayside", "monthly_installs": 10,
    })])
    .await;
    app.wait_for_search().await;
    let body = app.search("q=reconciliation").await;
    let hit = &body["hits"][0];
    assert_eq!(hit["slug"], "quayside-ledger");
    assert_eq!(
        hit["highlights"]["description"],
        "Features Fast <mark>reconciliation</mark> of dock fees nightly exports"
    );
    assert_eq!(hit["highlights"]["tagline"], "Reconcile every dock fee");
    assert_eq!(hit["tagline"], "Reconcile every dock fee");
}
contract!(snippets_and_taglines_are_plain_text);

async fn pages_with_a_cursor(engine: Engine) {
    let (app, _, _) = marketplace(&engine).await;
    let mut seen = Vec::new();
    let mut query = "limit=3".to_string();
    loop {
        let body = app.search(&query).await;
        seen.extend(hit_slugs(&body));
        match body["next_cursor"].as_str() {
            Some(c) => query = format!("limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 8);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 8, "no listing twice: {seen:?}");
}
contract!(pages_with_a_cursor);

async fn only_published_listings_of_active_partners_are_found(engine: Engine) {
    let (app, owner, admin) = marketplace(&engine).await;
    app.post(
        "/api/v1/listings",
        Some(&owner.token),
        &listing_body("northwind", "secret-draft", "crm"),
    )
    .await;
    app.wait_for_search().await;
    assert!(!hit_slugs(&app.search("q=secret").await).contains(&"secret-draft".to_string()));

    app.action("/api/v1/listings/lead-router/delist", Some(&admin.token))
        .await;
    app.wait_for_search().await;
    assert!(!hit_slugs(&app.search("q=lead%20router").await).contains(&"lead-router".to_string()));

    app.action("/api/v1/partners/northwind/suspend", Some(&admin.token))
        .await;
    app.wait_for_search().await;
    let body = app.search("q=courier").await;
    assert!(!hit_slugs(&body).contains(&"invoice-courier".to_string()));
    assert_eq!(app.search("q=").await["estimated_total"], 5);

    app.action("/api/v1/partners/northwind/approve", Some(&admin.token))
        .await;
    app.wait_for_search().await;
    assert!(hit_slugs(&app.search("q=courier").await).contains(&"invoice-courier".to_string()));

    // An approved edit is searchable; a pending one is not.
    app.patch(
        "/api/v1/listings/invoice-courier",
        Some(&owner.token),
        &json!({"name": "Invoice Herald"}),
    )
    .await;
    app.wait_for_search().await;
    assert!(hit_slugs(&app.search("q=herald").await).is_empty());
    app.action(
        "/api/v1/listings/invoice-courier/submit",
        Some(&owner.token),
    )
    .await;
    app.action(
        "/api/v1/listings/invoice-courier/approve",
        Some(&admin.token),
    )
    .await;
    app.wait_for_search().await;
    assert_eq!(
        hit_slugs(&app.search("q=herald").await),
        vec!["invoice-courier"]
    );
}
contract!(only_published_listings_of_active_partners_are_found);

async fn explains_rankings_to_admins_and_to_partners_for_their_own(engine: Engine) {
    let (app, owner, admin) = marketplace(&engine).await;
    let body = expect_json(
        app.get("/api/v1/search?q=ledger&explain=true", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    for hit in body["hits"].as_array().unwrap() {
        let e = &hit["explain"];
        let parts: f64 = e["relevance"]["score"].as_f64().unwrap()
            + e["boosts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["contribution"].as_f64().unwrap())
                .sum::<f64>();
        assert!((parts - e["score"].as_f64().unwrap()).abs() < 1e-6, "{e}");
        let names: Vec<&str> = e["boosts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["popularity", "rating", "certification", "tier"]);
    }
    let bridge = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["slug"] == "ledger-bridge")
        .unwrap();
    assert_eq!(
        bridge["explain"]["relevance"]["matches"][0]["field"],
        "name"
    );
    assert_eq!(bridge["explain"]["relevance"]["matches"][0]["typos"], 0);
    let scores: Vec<f64> = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["explain"]["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1] - 1e-6),
        "hits come in score order: {scores:?}"
    );

    let typo = expect_json(
        app.get("/api/v1/search?q=couriet&explain=true", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        typo["hits"][0]["explain"]["relevance"]["matches"][0]["typos"],
        1
    );

    // A partner sees explanations of its own listings only.
    let body = expect_json(
        app.get("/api/v1/search?q=ledger&explain=true", Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    for hit in body["hits"].as_array().unwrap() {
        assert_eq!(
            hit["explain"].is_object(),
            hit["partner"]["slug"] == "northwind",
            "{hit}"
        );
    }
    let customer = app.register("casey@customer.example").await;
    expect_problem(
        app.get(
            "/api/v1/search?q=ledger&explain=true",
            Some(&customer.token),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.get("/api/v1/search?q=ledger&explain=true", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    assert!(app.search("q=ledger").await["hits"][0]
        .get("explain")
        .is_none());
}
contract!(explains_rankings_to_admins_and_to_partners_for_their_own);

/// Letters the index folds (ł, š, ť, ž, ě, ş, ź, ý) are folded alike in queries: a name
/// written with them is found whether the query is typed with the accents or without.
/// (tantivy only: Meilisearch folds its candidates itself.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accented_names_are_found_with_and_without_their_accents() {
    let app = TestApp::spawn().await;
    app.import(&[
        record(
            "accented",
            "Łódź Šťastný Žluť ěşk",
            "Przesyła faktury",
            "accentco",
            3,
        ),
        record("plain", "Harbour Relay", "Moves invoices", "plainco", 900),
    ])
    .await;
    app.wait_for_search().await;
    for q in [
        "Łódź",
        "lodz",
        "ŁÓDŹ%20",
        "Šťastný",
        "stastny",
        "Žluť",
        "zlut",
        "ěşk",
        "esk",
        "lodz%20stastny%20zlut%20esk",
        "Łódź%20Šťastný%20Žluť%20ěşk",
    ] {
        assert_eq!(
            hit_slugs(&app.search(&format!("q={q}")).await),
            vec!["accented"],
            "{q}"
        );
    }
    let admin = app.admin().await;
    let explained = expect_json(
        app.get(
            "/api/v1/search?q=lodz%20stastny%20zlut%20esk&explain=true",
            Some(&admin.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        explained["hits"][0]["explain"]["relevance"]["exact_name_bonus"]
            .as_f64()
            .unwrap()
            > 0.0,
        "the whole name typed without accents: {explained}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_search_input_is_a_400() {
    let app = TestApp::spawn().await;
    let long = "a".repeat(201);
    for (query, field) in [
        (format!("q={long}"), "q"),
        ("q=a b c d e f g h i j k".replace(' ', "%20"), "q"),
        ("category=nope".into(), "category"),
        ("category=Not%20A%20Slug".into(), "category"),
        ("partner=nobody".into(), "partner"),
        ("badge=shiny".into(), "badge"),
        ("pricing=cheap".into(), "pricing"),
        ("limit=0".into(), "limit"),
        ("limit=101".into(), "limit"),
        ("cursor=%%%".into(), "cursor"),
        (format!("cursor={}", "MTAwMA"), "cursor"),
        ("explain=maybe".into(), "explain"),
        ("sort=name".into(), "sort"),
    ] {
        let res = app.get(&format!("/api/v1/search?{query}"), None).await;
        let p = expect_problem(res, StatusCode::BAD_REQUEST, "invalid_query").await;
        assert_eq!(fields(&p), vec![field], "{query}");
    }
    let res = app.get("/api/v1/search/suggest?limit=21&q=a", None).await;
    expect_problem(res, StatusCode::BAD_REQUEST, "invalid_query").await;
    let res = app
        .get(&format!("/api/v1/search/suggest?q={long}"), None)
        .await;
    expect_problem(res, StatusCode::BAD_REQUEST, "invalid_query").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_status_is_for_admins() {
    let app = TestApp::spawn().await;
    let customer = app.register("casey@customer.example").await;
    expect_problem(
        app.get("/api/v1/admin/search/status", Some(&customer.token))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    app.wait_for_search().await;
}

/// The real server binary, started and killed like a production process.
struct Server {
    child: std::process::Child,
    base: String,
}

impl Server {
    fn start(
        data_dir: &std::path::Path,
        database_url: Option<&str>,
        crash: Option<&str>,
    ) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mercato"));
        cmd.arg("--data-dir")
            .arg(data_dir)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("MERCATO_LOG", "warn")
            .env("MERCATO_JWT_SECRET", JWT_SECRET)
            .env_remove("MEILISEARCH_URL")
            .env_remove("DATABASE_URL")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if let Some(url) = database_url {
            cmd.env("DATABASE_URL", url);
        }
        if let Some(point) = crash {
            cmd.env("MERCATO_TEST_CRASH_SEARCH_WORKER", point);
        }
        Server {
            child: cmd.spawn().expect("the server starts"),
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn ready(&self, client: &reqwest::Client) {
        // Generous: the API tests run beside it on two cores.
        for _ in 0..600 {
            if let Ok(res) = client.get(format!("{}/readyz", self.base)).send().await {
                if res.status() == StatusCode::OK {
                    return;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the server did not become ready");
    }

    /// Waits for the process to end by itself (the injected crash), up to a few seconds.
    async fn crashed(&mut self) -> bool {
        for _ in 0..200 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return !status.success();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn searchable(client: &reqwest::Client, base: &str, q: &str) -> Vec<String> {
    let body: Value = client
        .get(format!("{base}/api/v1/search?q={q}&limit=50"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    hit_slugs(&body)
}

/// Waits (up to ~10 s) until the search for `q` satisfies `ok`.
async fn eventually(
    client: &reqwest::Client,
    base: &str,
    q: &str,
    ok: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let mut last = Vec::new();
    for _ in 0..200 {
        last = searchable(client, base, q).await;
        if ok(&last) {
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the search index never showed the change; last answer for {q}: {last:?}");
}

/// Kills the server's search worker in the middle of applying changes (after the index took
/// them, before they were committed; and after the commit, before the checkpoint moved), and
/// shows that a restarted server applies everything: nothing acknowledged is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_search_worker_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pg = fresh_postgres_database().await;
    let db_url = pg.as_ref().map(PgDatabase::url);
    let data = dir.path().join("data");
    let client = reqwest::Client::new();
    let mercato = |args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mercato"));
        cmd.arg("--data-dir")
            .arg(&data)
            .args(args)
            .env_remove("DATABASE_URL")
            .env_remove("MEILISEARCH_URL");
        if let Some(url) = &db_url {
            cmd.env("DATABASE_URL", url);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let file = dir.path().join("listings.jsonl");
    let lines: Vec<String> = (0..30)
        .map(|i| {
            record(
                &format!("crashy-{i}"),
                &format!("Crashy widget {i}"),
                "Survives crashes",
                "crashco",
                i,
            )
            .to_string()
        })
        .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    mercato(&["import", file.to_str().unwrap()]);
    mercato(&[
        "create-admin",
        "--email",
        "ops@mercato.test",
        "--password",
        PASSWORD,
    ]);

    // A healthy start builds the index.
    let server = Server::start(&data, db_url.as_deref(), None);
    server.ready(&client).await;
    eventually(&client, &server.base, "crashy", |s| s.len() == 30).await;
    checkpointed(&client, &server.base).await;
    drop(server);

    for point in ["before-commit", "after-commit"] {
        let mut server = Server::start(&data, db_url.as_deref(), Some(point));
        server.ready(&client).await;
        let login: Value = client
            .post(format!("{}/api/v1/auth/login", server.base))
            .json(&json!({"email": "ops@mercato.test", "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["access_token"].as_str().unwrap().to_string();
        // The suspension commits (and is acknowledged); the worker then dies applying it.
        let partner_action = if point == "before-commit" {
            "suspend"
        } else {
            "approve"
        };
        let res = client
            .post(format!(
                "{}/api/v1/partners/crashco/{partner_action}",
                server.base
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{point}");
        assert!(
            server.crashed().await,
            "the worker was meant to crash at {point}"
        );

        // Restarted without the fault: the change reaches the index.
        let server = Server::start(&data, db_url.as_deref(), None);
        server.ready(&client).await;
        let expected = if partner_action == "suspend" { 0 } else { 30 };
        eventually(&client, &server.base, "crashy", |s| s.len() == expected).await;
        // Killed only once the checkpoint caught up: the next (crashing) server must start
        // with nothing to apply, or it could die before it is ready.
        checkpointed(&client, &server.base).await;
    }
}

/// Waits until the server's search checkpoint has every outbox entry (the index can show a
/// change a moment before its checkpoint is saved).
async fn checkpointed(client: &reqwest::Client, base: &str) {
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "ops@mercato.test", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_string();
    for _ in 0..600 {
        let status: Value = client
            .get(format!("{base}/api/v1/admin/search/status"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if status["checkpoint"].as_i64().unwrap_or(-1) >= 0 && status["pending"] == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the search checkpoint did not catch up");
}
