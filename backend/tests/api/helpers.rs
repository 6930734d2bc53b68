//! `TestApp`: the real application on a random port with a fresh database (a SQLite file in a
//! temp dir, or a new PostgreSQL database when `MERCATO_TEST_DB=postgres`), and one method per
//! common call so the tests read as behaviour.

use std::sync::OnceLock;

use mercato::config::Settings;
use mercato::startup::Application;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";
pub const PASSWORD: &str = "correct horse battery staple";

fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var("TEST_LOG").is_ok() {
            let settings = Settings {
                log_filter: "debug,sqlx=warn,sea_orm=info".into(),
                ..Settings::default()
            };
            mercato::telemetry::init(&settings);
        }
    });
}

/// Which database the suite runs on.
pub fn on_postgres() -> bool {
    std::env::var("MERCATO_TEST_DB").as_deref() == Ok("postgres")
}

/// A PostgreSQL database of its own for one test, dropped when the test ends.
pub struct PgDatabase {
    admin_url: String,
    name: String,
}

impl PgDatabase {
    pub fn url(&self) -> String {
        let base = self
            .admin_url
            .rsplit_once('/')
            .map_or(self.admin_url.as_str(), |(b, _)| b);
        format!("{base}/{}", self.name)
    }
}

/// With `MERCATO_TEST_DB=postgres`, a new empty database; `None` on SQLite.
pub async fn fresh_postgres_database() -> Option<PgDatabase> {
    if !on_postgres() {
        return None;
    }
    let admin_url =
        std::env::var("DATABASE_URL").expect("MERCATO_TEST_DB=postgres needs DATABASE_URL");
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    use sea_orm::ConnectionTrait;
    let conn = sea_orm::Database::connect(&admin_url)
        .await
        .expect("connect to PostgreSQL");
    conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create test database");
    conn.close().await.ok();
    Some(PgDatabase { admin_url, name })
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Drop happens outside any async context we can await in: use a small runtime on a
        // thread of its own.
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    use sea_orm::ConnectionTrait;
                    if let Ok(conn) = sea_orm::Database::connect(&admin_url).await {
                        let _ = conn
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                        let _ = conn.close().await;
                    }
                });
            }
        })
        .join();
    }
}

pub struct TestApp {
    pub address: String,
    /// `http://127.0.0.1:PORT` of the metrics listener, when the settings ask for one.
    pub metrics_address: Option<String>,
    pub client: reqwest::Client,
    pub settings: Settings,
    /// The running application's state (its database handles, its search index).
    pub state: mercato::state::AppState,
    search_admin: tokio::sync::OnceCell<Session>,
    _dir: tempfile::TempDir,
    _pg: Option<PgDatabase>,
    _meili: Option<MeiliIndexGuard>,
}

/// The search engine a test runs against.
#[derive(Debug, Clone)]
pub enum Engine {
    Tantivy,
    Meilisearch { url: String, key: Option<String> },
}

impl Engine {
    /// Meilisearch if `MEILISEARCH_URL` names a server.
    pub fn meilisearch() -> Option<Engine> {
        let url = std::env::var("MEILISEARCH_URL")
            .ok()
            .filter(|u| !u.is_empty())?;
        Some(Engine::Meilisearch {
            url,
            key: std::env::var("MEILISEARCH_API_KEY")
                .ok()
                .filter(|k| !k.is_empty()),
        })
    }
}

/// Deletes a test's Meilisearch index when the test ends.
struct MeiliIndexGuard {
    url: String,
    key: Option<String>,
    uid: String,
}

impl Drop for MeiliIndexGuard {
    fn drop(&mut self) {
        let (url, key, uid) = (self.url.clone(), self.key.clone(), self.uid.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(async {
                    if let Ok(client) = meilisearch_sdk::client::Client::new(url, key) {
                        let _ = client.delete_index(uid).await;
                    }
                });
            }
        })
        .join();
    }
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    pub email: String,
    pub token: String,
    pub refresh_token: String,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// The app with the given search engine (a fresh Meilisearch index per test).
    pub async fn spawn_engine(engine: &Engine) -> TestApp {
        match engine {
            Engine::Tantivy => Self::spawn().await,
            Engine::Meilisearch { url, key } => {
                let uid = format!("test_{}", uuid::Uuid::new_v4().simple());
                let mut app = Self::spawn_with(|s| {
                    s.meilisearch_url = Some(url.clone());
                    s.meilisearch_api_key = key.clone().map(Into::into);
                    s.meilisearch_index = uid.clone();
                })
                .await;
                app._meili = Some(MeiliIndexGuard {
                    url: url.clone(),
                    key: key.clone(),
                    uid,
                });
                app
            }
        }
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
        init_logs();
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings {
            addr: "127.0.0.1:0".into(),
            data_dir: dir.path().to_path_buf(),
            jwt_secret: Some(JWT_SECRET.to_string().into()),
            workers: Some(1),
            web_dir: dir.path().join("web"),
            db_pool_size: 4,
            ..Settings::default()
        };
        let pg = fresh_postgres_database().await;
        if let Some(pg) = &pg {
            settings.database_url = Some(pg.url());
        }
        configure(&mut settings);
        Self::start(settings, dir, pg)
            .await
            .expect("the application starts")
    }

    /// Builds the application from `settings`, serves it in the background and wraps it.
    async fn start(
        settings: Settings,
        dir: tempfile::TempDir,
        pg: Option<PgDatabase>,
    ) -> anyhow::Result<TestApp> {
        let app = Application::build(settings.clone()).await?;
        let address = format!("http://127.0.0.1:{}", app.port());
        let metrics_address = app
            .metrics_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        let state = app.state().clone();
        tokio::spawn(app.run_until_stopped());
        Ok(TestApp {
            address,
            metrics_address,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            settings,
            state,
            search_admin: tokio::sync::OnceCell::new(),
            _dir: dir,
            _pg: pg,
            _meili: None,
        })
    }

    /// Another node on this app's database: its own data directory, the same JWT secret and
    /// webhook key (as every node of a cluster must have), then `configure`.
    pub async fn spawn_beside(&self, configure: impl FnOnce(&mut Settings)) -> TestApp {
        self.try_spawn_beside(configure)
            .await
            .expect("the second node starts")
    }

    /// Like [`spawn_beside`](Self::spawn_beside), answering why a node is refused.
    pub async fn try_spawn_beside(
        &self,
        configure: impl FnOnce(&mut Settings),
    ) -> anyhow::Result<TestApp> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = self.settings.clone();
        settings.data_dir = dir.path().to_path_buf();
        settings.web_dir = dir.path().join("web");
        settings.database_url = Some(match &self.settings.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}",
                self.settings.data_dir.join("mercato.db").display()
            ),
        });
        if settings.webhook_key.is_none() {
            let key = std::fs::read_to_string(self.settings.data_dir.join("secrets/webhook.key"))
                .expect("the first node's webhook key");
            settings.webhook_key = Some(key.trim().to_string().into());
        }
        configure(&mut settings);
        Self::start(settings, dir, None).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A request with an optional bearer token.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.call(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.call(Method::PUT, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        self.call(Method::DELETE, path, token, None).await
    }

    /// A POST with no body (action routes).
    pub async fn action(&self, path: &str, token: Option<&str>) -> Response {
        self.call(Method::POST, path, token, None).await
    }

    /// Registers a customer account.
    pub async fn register(&self, email: &str) -> Session {
        let res = self
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": email, "password": PASSWORD, "display_name": email.split('@').next().unwrap()}),
            )
            .await;
        session_of(expect_json(res, StatusCode::CREATED).await)
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post(
            "/api/v1/auth/login",
            None,
            &json!({"email": email, "password": password}),
        )
        .await
    }

    /// A marketplace admin (created the way `mercato create-admin` does, then signed in).
    pub async fn admin(&self) -> Session {
        let email = format!("admin-{}@mercato.test", uuid::Uuid::new_v4().simple());
        let db = mercato::db::Db::connect(&self.settings).await.unwrap();
        mercato::seed::create_admin(&db, &email, PASSWORD, "Admin")
            .await
            .unwrap();
        db.close().await;
        session_of(expect_json(self.login(&email, PASSWORD).await, StatusCode::OK).await)
    }

    /// An account with the given marketplace role (customer, analyst, admin), set by an admin.
    pub async fn account_with_role(&self, email: &str, role: &str) -> Session {
        let s = self.register(email).await;
        let admin = self.admin().await;
        let res = self
            .put(
                &format!("/api/v1/admin/users/{}/role", s.user_id),
                Some(&admin.token),
                &json!({"role": role}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        s
    }

    /// Applies for a partner as `owner` (who becomes its admin).
    pub async fn apply_partner(&self, owner: &Session, slug: &str) -> Value {
        let res = self
            .post(
                "/api/v1/partners",
                Some(&owner.token),
                &json!({
                    "slug": slug,
                    "name": format!("{slug} Inc"),
                    "website": format!("https://{slug}.example"),
                    "description": "We build **integrations**.",
                    "motions": ["technology"],
                    "regions": ["europe"],
                }),
            )
            .await;
        expect_json(res, StatusCode::CREATED).await
    }

    /// An active partner with a fresh account as its admin.
    pub async fn active_partner(&self, slug: &str) -> Session {
        let owner = self.register(&format!("owner@{slug}.example")).await;
        self.apply_partner(&owner, slug).await;
        let admin = self.admin().await;
        let res = self
            .action(
                &format!("/api/v1/partners/{slug}/approve"),
                Some(&admin.token),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "approve partner");
        owner
    }

    pub async fn create_category(&self, admin: &Session, slug: &str) {
        let res = self
            .post(
                "/api/v1/categories",
                Some(&admin.token),
                &json!({"slug": slug, "name": slug.to_uppercase(), "description": "A category"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "create category");
    }

    /// Creates a draft listing with complete content.
    pub async fn create_listing(
        &self,
        member: &Session,
        partner: &str,
        slug: &str,
        category: &str,
    ) -> Response {
        self.post(
            "/api/v1/listings",
            Some(&member.token),
            &listing_body(partner, slug, category),
        )
        .await
    }

    /// A published listing: drafted, submitted and approved.
    pub async fn published_listing(
        &self,
        member: &Session,
        partner: &str,
        slug: &str,
        category: &str,
    ) {
        let res = self.create_listing(member, partner, slug, category).await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "create listing: {}",
            res.text().await.unwrap()
        );
        let res = self
            .action(
                &format!("/api/v1/listings/{slug}/submit"),
                Some(&member.token),
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "submit: {}",
            res.text().await.unwrap()
        );
        let admin = self.admin().await;
        let res = self
            .action(
                &format!("/api/v1/listings/{slug}/approve"),
                Some(&admin.token),
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "approve: {}",
            res.text().await.unwrap()
        );
    }
}

impl TestApp {
    /// Waits until the search index has applied every change made so far.
    /// A new workspace of `customer`'s, named `name`, with `listing` installed; its id.
    pub async fn installed_workspace(&self, customer: &Session, name: &str, listing: &str) -> i64 {
        let ws = expect_json(
            self.post(
                "/api/v1/workspaces",
                Some(&customer.token),
                &json!({ "name": name }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let res = self
            .post(
                &format!("/api/v1/workspaces/{ws}/installs"),
                Some(&customer.token),
                &json!({ "listing": listing }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        ws
    }

    pub async fn wait_for_search(&self) {
        let admin = self.search_admin.get_or_init(|| self.admin()).await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let status = expect_json(
                self.get("/api/v1/admin/search/status", Some(&admin.token))
                    .await,
                StatusCode::OK,
            )
            .await;
            if status["checkpoint"].as_i64().unwrap_or(-1) >= 0 && status["pending"] == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the search index did not catch up: {status}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Imports listings (published, with install counts) the way `mercato import` does.
    pub async fn import(&self, records: &[Value]) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("listings.jsonl");
        let text: Vec<String> = records.iter().map(|r| r.to_string()).collect();
        std::fs::write(&file, text.join("\n")).unwrap();
        let db = mercato::db::Db::connect(&self.settings).await.unwrap();
        let report = mercato::import::import_file(&db, &file, 100).await.unwrap();
        assert_eq!(report.rejected, 0, "{report}");
        db.close().await;
    }

    /// Searches and returns the response body (asserting 200).
    pub async fn search(&self, query: &str) -> Value {
        expect_json(
            self.get(&format!("/api/v1/search?{query}"), None).await,
            StatusCode::OK,
        )
        .await
    }
}

/// The slugs of a search response's hits, in order.
pub fn hit_slugs(body: &Value) -> Vec<String> {
    body["hits"]
        .as_array()
        .map(|h| {
            h.iter()
                .map(|h| h["slug"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

pub fn listing_body(partner: &str, slug: &str, category: &str) -> Value {
    json!({
        "partner": partner,
        "slug": slug,
        "name": format!("{slug} for Slack"),
        "tagline": "Post paid invoices to Slack",
        "description": "## Features\n\n- Sync invoices\n- Alerts",
        "categories": [category],
        "use_cases": ["sync invoices to slack"],
        "screenshots": [{"url": "https://cdn.example/shot.png", "alt": "Settings page"}],
        "install_url": "https://partner.example/install",
        "pricing": {"model": "freemium", "details": "Free up to 100 invoices"},
        "support_url": "https://partner.example/support",
    })
}

pub fn session_of(body: Value) -> Session {
    Session {
        user_id: body["user"]["id"].as_i64().expect("user id"),
        email: body["user"]["email"].as_str().unwrap().to_string(),
        token: body["access_token"]
            .as_str()
            .expect("access token")
            .to_string(),
        refresh_token: body["refresh_token"]
            .as_str()
            .expect("refresh token")
            .to_string(),
    }
}

/// Asserts the status and returns the JSON body.
pub async fn expect_json(res: Response, status: StatusCode) -> Value {
    let actual = res.status();
    let text = res.text().await.expect("body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts a problem response with the status and code, and returns its body.
pub async fn expect_problem(res: Response, status: StatusCode, code: &str) -> Value {
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = expect_json(res, status).await;
    assert_eq!(
        content_type, "application/problem+json",
        "content type of {body}"
    );
    assert_eq!(body["code"], code, "problem code in {body}");
    assert_eq!(body["status"], status.as_u16(), "status field in {body}");
    assert!(
        body["type"].as_str().unwrap().contains(code),
        "type names the code: {body}"
    );
    body
}

/// The fields named by a validation problem.
pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}
