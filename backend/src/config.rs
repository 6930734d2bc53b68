//! Typed settings, layered: built-in defaults, then an optional TOML file (`--config FILE` or
//! `MERCATO_CONFIG`), then environment variables, then command-line flags.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use secrecy::SecretString;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines for a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Where `serve` listens, `HOST:PORT`.
    pub addr: String,
    /// Holds the SQLite database, generated keys and (later) the search index.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; `sqlite://…` for a specific SQLite file. Unset: the
    /// SQLite file `mercato.db` in the data directory.
    pub database_url: Option<String>,
    /// The built web app (style.css, boot.js, pkg/).
    pub web_dir: PathBuf,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// HMAC key for access tokens. Unset: a random key generated once and kept in the data
    /// directory. Several instances behind one load balancer must share it.
    pub jwt_secret: Option<SecretString>,
    pub log_format: LogFormat,
    /// A `tracing` filter such as `info` or `mercato=debug,info`.
    pub log_filter: String,
    /// HTTP worker threads; unset: one per core.
    pub workers: Option<usize>,
    /// Largest JSON body any route accepts.
    pub max_body_bytes: usize,
    /// Largest total size of a request's header names and values.
    pub max_header_bytes: usize,
    /// Connections in the database pool (readers, for SQLite).
    pub db_pool_size: u32,
    /// How long a cached public response may be served (0 disables the cache); see `cache.rs`.
    pub public_cache_ttl: Duration,
    /// How many public responses the cache holds.
    pub public_cache_capacity: usize,
    /// Meilisearch instead of the embedded tantivy index.
    pub meilisearch_url: Option<String>,
    pub meilisearch_api_key: Option<String>,
    /// The Meilisearch index to use.
    pub meilisearch_index: String,
    /// Whether `serve` keeps the search index up to date (one process per index must).
    pub search_worker: bool,
    /// Requests per minute per client address, account and API key (0: no limit).
    pub rate_limits: crate::rate_limit::Limits,
    /// Leads one client address may submit per hour (abuse control).
    pub leads_per_address_per_hour: u64,
    /// Base64 of the 32-byte key that seals webhook signing secrets. Unset: a key generated
    /// once and kept in the data directory. Instances sharing a database must share it.
    pub webhook_key: Option<SecretString>,
    /// Lets requests to user-given addresses (webhook deliveries, domain verification checks)
    /// reach loopback, private and link-local addresses, and webhook endpoints be plain
    /// `http://` URLs: for tests and on-premise receivers only.
    pub outbound_allow_private: bool,
    /// How often a verified partner domain is checked again.
    pub domain_recheck_interval: Duration,
    /// The DNS server asked for verification TXT records. Unset: the first `nameserver` of
    /// `/etc/resolv.conf`.
    pub dns_resolver: Option<std::net::SocketAddr>,
    /// Test hook: fetch verification files over plain `http://DOMAIN:PORT` instead of
    /// `https://DOMAIN` (so a test's loopback server can answer).
    pub domain_verification_test_port: Option<u16>,
    /// Webhook dispatch workers in this process (0: none, for instances that only serve).
    pub webhook_workers: usize,
    /// The site's public origin (`https://market.example.com`) for canonical links and the
    /// sitemap. Unset: the origin each request came to.
    pub public_url: Option<String>,
    /// Origins allowed to call the API from a browser on another site
    /// (`https://app.partner.example`); empty: the API is same-origin only.
    pub cors_origins: Vec<String>,
    /// Single sign-on providers (OpenID Connect by issuer, GitHub); see `sso`.
    pub sso_providers: Vec<SsoProviderSettings>,
    /// URLs per sitemap file; past it, `/sitemap.xml` is an index (the protocol's limit).
    pub sitemap_urls_per_file: u64,
    /// Test hook: crash the search worker at a point (`before-commit`, `after-commit`).
    pub search_crash: Option<String>,
    /// The application's clock (tests drive a manual one).
    pub clock: crate::clock::Clock,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            addr: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            web_dir: PathBuf::from("frontend/dist"),
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            jwt_secret: None,
            log_format: LogFormat::Pretty,
            log_filter: "info".into(),
            workers: None,
            max_body_bytes: 256 * 1024,
            max_header_bytes: 16 * 1024,
            db_pool_size: 4,
            public_cache_ttl: Duration::from_secs(60),
            public_cache_capacity: 50_000,
            meilisearch_url: None,
            meilisearch_api_key: None,
            meilisearch_index: "listings".into(),
            search_worker: true,
            leads_per_address_per_hour: 20,
            rate_limits: crate::rate_limit::Limits {
                per_address: 1200,
                per_account: 600,
                per_api_key: 3000,
            },
            webhook_key: None,
            public_url: None,
            cors_origins: Vec::new(),
            sso_providers: Vec::new(),
            sitemap_urls_per_file: 50_000,
            outbound_allow_private: false,
            domain_recheck_interval: Duration::from_secs(24 * 3600),
            dns_resolver: None,
            domain_verification_test_port: None,
            webhook_workers: 1,
            search_crash: None,
            clock: crate::clock::Clock::System,
        }
    }
}

/// The file layer: every key optional, unknown keys rejected (a typo should not be silently
/// ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    addr: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    web_dir: Option<PathBuf>,
    access_token_ttl_secs: Option<u64>,
    refresh_token_ttl_secs: Option<u64>,
    jwt_secret: Option<String>,
    log_format: Option<LogFormat>,
    log: Option<String>,
    workers: Option<usize>,
    max_body_bytes: Option<usize>,
    max_header_bytes: Option<usize>,
    db_pool_size: Option<u32>,
    public_cache_ttl_secs: Option<u64>,
    public_cache_capacity: Option<usize>,
    meilisearch_url: Option<String>,
    meilisearch_api_key: Option<String>,
    meilisearch_index: Option<String>,
    search_worker: Option<bool>,
    leads_per_address_per_hour: Option<u64>,
    rate_limit_per_address: Option<u32>,
    rate_limit_per_account: Option<u32>,
    rate_limit_per_api_key: Option<u32>,
    webhook_key: Option<String>,
    public_url: Option<String>,
    cors_origins: Option<Vec<String>>,
    sso_providers: Option<Vec<SsoProviderFile>>,
    outbound_allow_private: Option<bool>,
    /// The older name of `outbound_allow_private`.
    webhooks_allow_private: Option<bool>,
    webhook_workers: Option<usize>,
    domain_recheck_secs: Option<u64>,
    dns_resolver: Option<std::net::SocketAddr>,
}

/// How a single sign-on provider signs people in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SsoKind {
    /// OpenID Connect: endpoints and keys come from the issuer's discovery document.
    #[default]
    Oidc,
    /// GitHub OAuth apps (GitHub Enterprise with the three URLs set).
    Github,
}

/// One provider: `[[sso_providers]]` in the file, or `MERCATO_OIDC_*` / `MERCATO_GITHUB_*`.
#[derive(Debug, Clone)]
pub struct SsoProviderSettings {
    /// In paths and stored identities; lower-case letters, digits and `-`.
    pub id: String,
    /// For buttons ("Continue with …").
    pub name: String,
    pub kind: SsoKind,
    /// OpenID Connect: the issuer URL (`https://login.example.com/realms/x`).
    pub issuer: Option<String>,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    /// GitHub: authorization page, token endpoint and API base (github.com's by default).
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    pub api_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SsoProviderFile {
    id: String,
    name: String,
    #[serde(default)]
    kind: SsoKind,
    issuer: Option<String>,
    client_id: String,
    client_secret: Option<String>,
    authorize_url: Option<String>,
    token_url: Option<String>,
    api_url: Option<String>,
}

impl From<SsoProviderFile> for SsoProviderSettings {
    fn from(f: SsoProviderFile) -> Self {
        SsoProviderSettings {
            id: f.id,
            name: f.name,
            kind: f.kind,
            issuer: f.issuer,
            client_id: f.client_id,
            client_secret: f.client_secret.map(SecretString::from),
            authorize_url: f.authorize_url,
            token_url: f.token_url,
            api_url: f.api_url,
        }
    }
}

/// Overrides from the command line (already merged with their environment variables by clap).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub addr: Option<String>,
}

impl Settings {
    /// Loads the settings from all layers.
    pub fn load(overrides: &Overrides) -> anyhow::Result<Settings> {
        Self::load_from(overrides, |name| std::env::var(name).ok())
    }

    /// Like [`load`](Self::load) with an explicit environment, for tests.
    pub fn load_from(
        overrides: &Overrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Settings> {
        let mut s = Settings::default();

        let file = overrides
            .config_file
            .clone()
            .or_else(|| env("MERCATO_CONFIG").map(PathBuf::from));
        if let Some(path) = file {
            s.apply_file(&path)?;
        }

        if let Some(v) = env("MERCATO_ADDR") {
            s.addr = v;
        }
        if let Some(v) = env("MERCATO_DATA_DIR") {
            s.data_dir = v.into();
        }
        if let Some(v) = env("DATABASE_URL").filter(|v| !v.is_empty()) {
            s.database_url = Some(v);
        }
        if let Some(v) = env("MERCATO_WEB_DIR") {
            s.web_dir = v.into();
        }
        if let Some(v) = env("MERCATO_ACCESS_TOKEN_TTL") {
            s.access_token_ttl = Duration::from_secs(parse_env("MERCATO_ACCESS_TOKEN_TTL", &v)?);
        }
        if let Some(v) = env("MERCATO_REFRESH_TOKEN_TTL") {
            s.refresh_token_ttl = Duration::from_secs(parse_env("MERCATO_REFRESH_TOKEN_TTL", &v)?);
        }
        if let Some(v) = env("MERCATO_JWT_SECRET").filter(|v| !v.is_empty()) {
            s.jwt_secret = Some(SecretString::from(v));
        }
        if let Some(v) = env("MERCATO_LOG_FORMAT") {
            s.log_format = match v.as_str() {
                "pretty" => LogFormat::Pretty,
                "json" => LogFormat::Json,
                other => bail!("MERCATO_LOG_FORMAT must be `pretty` or `json`, not `{other}`"),
            };
        }
        if let Some(v) = env("MERCATO_LOG").or_else(|| env("RUST_LOG")) {
            s.log_filter = v;
        }
        if let Some(v) = env("MERCATO_WORKERS") {
            s.workers = Some(parse_env("MERCATO_WORKERS", &v)?);
        }
        if let Some(v) = env("MERCATO_MAX_BODY_BYTES") {
            s.max_body_bytes = parse_env("MERCATO_MAX_BODY_BYTES", &v)?;
        }
        if let Some(v) = env("MERCATO_MAX_HEADER_BYTES") {
            s.max_header_bytes = parse_env("MERCATO_MAX_HEADER_BYTES", &v)?;
        }
        if let Some(v) = env("MERCATO_DB_POOL_SIZE") {
            s.db_pool_size = parse_env("MERCATO_DB_POOL_SIZE", &v)?;
        }
        if let Some(v) = env("MERCATO_PUBLIC_CACHE_TTL") {
            s.public_cache_ttl = Duration::from_secs(parse_env("MERCATO_PUBLIC_CACHE_TTL", &v)?);
        }
        if let Some(v) = env("MEILISEARCH_URL").filter(|v| !v.is_empty()) {
            s.meilisearch_url = Some(v.trim_end_matches('/').to_string());
        }
        if let Some(v) = env("MEILISEARCH_API_KEY").filter(|v| !v.is_empty()) {
            s.meilisearch_api_key = Some(v);
        }
        if let Some(v) = env("MERCATO_MEILISEARCH_INDEX").filter(|v| !v.is_empty()) {
            s.meilisearch_index = v;
        }
        if let Some(v) = env("MERCATO_SEARCH_WORKER") {
            s.search_worker = parse_env("MERCATO_SEARCH_WORKER", &v)?;
        }
        if let Some(v) = env("MERCATO_LEADS_PER_ADDRESS_PER_HOUR") {
            s.leads_per_address_per_hour = parse_env("MERCATO_LEADS_PER_ADDRESS_PER_HOUR", &v)?;
        }
        if let Some(v) = env("MERCATO_RATE_LIMIT_PER_ADDRESS") {
            s.rate_limits.per_address = parse_env("MERCATO_RATE_LIMIT_PER_ADDRESS", &v)?;
        }
        if let Some(v) = env("MERCATO_RATE_LIMIT_PER_ACCOUNT") {
            s.rate_limits.per_account = parse_env("MERCATO_RATE_LIMIT_PER_ACCOUNT", &v)?;
        }
        if let Some(v) = env("MERCATO_RATE_LIMIT_PER_API_KEY") {
            s.rate_limits.per_api_key = parse_env("MERCATO_RATE_LIMIT_PER_API_KEY", &v)?;
        }
        if let Some(v) = env("MERCATO_PUBLIC_URL").filter(|v| !v.is_empty()) {
            s.public_url = Some(v);
        }
        if let Some(v) = env("MERCATO_CORS_ORIGINS") {
            s.cors_origins = origins(v.split(','));
        }
        if let (Some(issuer), Some(client_id)) = (
            env("MERCATO_OIDC_ISSUER").filter(|v| !v.is_empty()),
            env("MERCATO_OIDC_CLIENT_ID").filter(|v| !v.is_empty()),
        ) {
            s.sso_providers.retain(|p| p.id != "oidc");
            s.sso_providers.push(SsoProviderSettings {
                id: "oidc".into(),
                name: env("MERCATO_OIDC_NAME").unwrap_or_else(|| "single sign-on".into()),
                kind: SsoKind::Oidc,
                issuer: Some(issuer),
                client_id,
                client_secret: env("MERCATO_OIDC_CLIENT_SECRET").map(SecretString::from),
                authorize_url: None,
                token_url: None,
                api_url: None,
            });
        }
        if let Some(client_id) = env("MERCATO_GITHUB_CLIENT_ID").filter(|v| !v.is_empty()) {
            s.sso_providers.retain(|p| p.id != "github");
            s.sso_providers.push(SsoProviderSettings {
                id: "github".into(),
                name: "GitHub".into(),
                kind: SsoKind::Github,
                issuer: None,
                client_id,
                client_secret: env("MERCATO_GITHUB_CLIENT_SECRET").map(SecretString::from),
                authorize_url: None,
                token_url: None,
                api_url: None,
            });
        }
        if let Some(v) = env("MERCATO_WEBHOOK_KEY").filter(|v| !v.is_empty()) {
            s.webhook_key = Some(SecretString::from(v));
        }
        // The older name first, so the newer one wins when both are set.
        for name in [
            "MERCATO_WEBHOOKS_ALLOW_PRIVATE",
            "MERCATO_OUTBOUND_ALLOW_PRIVATE",
        ] {
            if let Some(v) = env(name) {
                s.outbound_allow_private = parse_env(name, &v)?;
            }
        }
        if let Some(v) = env("MERCATO_DOMAIN_RECHECK_SECS") {
            s.domain_recheck_interval =
                Duration::from_secs(parse_env("MERCATO_DOMAIN_RECHECK_SECS", &v)?);
        }
        if let Some(v) = env("MERCATO_DNS_RESOLVER").filter(|v| !v.is_empty()) {
            s.dns_resolver = Some(parse_env("MERCATO_DNS_RESOLVER", &v)?);
        }
        if let Some(v) = env("MERCATO_TEST_DOMAIN_VERIFICATION_PORT").filter(|v| !v.is_empty()) {
            s.domain_verification_test_port =
                Some(parse_env("MERCATO_TEST_DOMAIN_VERIFICATION_PORT", &v)?);
        }
        if let Some(v) = env("MERCATO_WEBHOOK_WORKERS") {
            s.webhook_workers = parse_env("MERCATO_WEBHOOK_WORKERS", &v)?;
        }
        if let Some(v) = env("MERCATO_TEST_CRASH_SEARCH_WORKER").filter(|v| !v.is_empty()) {
            s.search_crash = Some(v);
        }
        if let Some(v) = env("MERCATO_PUBLIC_CACHE_CAPACITY") {
            s.public_cache_capacity = parse_env("MERCATO_PUBLIC_CACHE_CAPACITY", &v)?;
        }

        if let Some(v) = &overrides.data_dir {
            s.data_dir = v.clone();
        }
        if let Some(v) = &overrides.database_url {
            s.database_url = Some(v.clone()).filter(|v| !v.is_empty());
        }
        if let Some(v) = &overrides.addr {
            s.addr = v.clone();
        }
        s.check()?;
        Ok(s)
    }

    fn apply_file(&mut self, path: &Path) -> anyhow::Result<()> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the configuration file {}", path.display()))?;
        let f: FileSettings = toml::from_str(&text)
            .with_context(|| format!("parsing the configuration file {}", path.display()))?;
        if let Some(v) = f.addr {
            self.addr = v;
        }
        if let Some(v) = f.data_dir {
            self.data_dir = v;
        }
        if let Some(v) = f.database_url {
            self.database_url = Some(v);
        }
        if let Some(v) = f.web_dir {
            self.web_dir = v;
        }
        if let Some(v) = f.access_token_ttl_secs {
            self.access_token_ttl = Duration::from_secs(v);
        }
        if let Some(v) = f.refresh_token_ttl_secs {
            self.refresh_token_ttl = Duration::from_secs(v);
        }
        if let Some(v) = f.jwt_secret {
            self.jwt_secret = Some(SecretString::from(v));
        }
        if let Some(v) = f.log_format {
            self.log_format = v;
        }
        if let Some(v) = f.log {
            self.log_filter = v;
        }
        if let Some(v) = f.workers {
            self.workers = Some(v);
        }
        if let Some(v) = f.max_body_bytes {
            self.max_body_bytes = v;
        }
        if let Some(v) = f.max_header_bytes {
            self.max_header_bytes = v;
        }
        if let Some(v) = f.db_pool_size {
            self.db_pool_size = v;
        }
        if let Some(v) = f.public_cache_ttl_secs {
            self.public_cache_ttl = Duration::from_secs(v);
        }
        if let Some(v) = f.public_cache_capacity {
            self.public_cache_capacity = v;
        }
        if let Some(v) = f.meilisearch_url {
            self.meilisearch_url = Some(v);
        }
        if let Some(v) = f.meilisearch_api_key {
            self.meilisearch_api_key = Some(v);
        }
        if let Some(v) = f.meilisearch_index {
            self.meilisearch_index = v;
        }
        if let Some(v) = f.leads_per_address_per_hour {
            self.leads_per_address_per_hour = v;
        }
        if let Some(v) = f.rate_limit_per_address {
            self.rate_limits.per_address = v;
        }
        if let Some(v) = f.rate_limit_per_account {
            self.rate_limits.per_account = v;
        }
        if let Some(v) = f.rate_limit_per_api_key {
            self.rate_limits.per_api_key = v;
        }
        if let Some(v) = f.search_worker {
            self.search_worker = v;
        }
        if let Some(v) = f.public_url {
            self.public_url = Some(v);
        }
        if let Some(v) = f.cors_origins {
            self.cors_origins = origins(v.iter().map(String::as_str));
        }
        if let Some(v) = f.sso_providers {
            self.sso_providers = v.into_iter().map(SsoProviderSettings::from).collect();
        }
        if let Some(v) = f.webhook_key {
            self.webhook_key = Some(SecretString::from(v));
        }
        if let Some(v) = f.outbound_allow_private.or(f.webhooks_allow_private) {
            self.outbound_allow_private = v;
        }
        if let Some(v) = f.domain_recheck_secs {
            self.domain_recheck_interval = Duration::from_secs(v);
        }
        if let Some(v) = f.dns_resolver {
            self.dns_resolver = Some(v);
        }
        if let Some(v) = f.webhook_workers {
            self.webhook_workers = v;
        }
        Ok(())
    }

    fn check(&self) -> anyhow::Result<()> {
        if self.access_token_ttl.is_zero() || self.refresh_token_ttl.is_zero() {
            bail!("token lifetimes must be positive");
        }
        if self.access_token_ttl >= self.refresh_token_ttl {
            bail!("the access token lifetime must be shorter than the refresh token lifetime");
        }
        if let Some(c) = &self.search_crash {
            if crate::search::worker::CrashPoint::parse(c).is_none() {
                bail!("MERCATO_TEST_CRASH_SEARCH_WORKER must be before-commit or after-commit");
            }
        }
        let mut ids = std::collections::HashSet::new();
        for p in &self.sso_providers {
            let id_ok = !p.id.is_empty()
                && p.id.len() <= 64
                && p.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !id_ok {
                bail!(
                    "sso provider id {:?} must be lower-case letters, digits and -",
                    p.id
                );
            }
            if !ids.insert(p.id.as_str()) {
                bail!("sso provider id {:?} is used twice", p.id);
            }
            if p.kind == SsoKind::Oidc && p.issuer.is_none() {
                bail!("sso provider {:?} needs an issuer URL", p.id);
            }
        }
        if self.domain_recheck_interval < Duration::from_secs(60) {
            bail!("domain verification rechecks must be at least 60 seconds apart");
        }
        if self.db_pool_size == 0 {
            bail!("the database pool needs at least one connection");
        }
        Ok(())
    }
}

/// Origins as browsers send them in `Origin`: trimmed, without a trailing slash, blanks dropped.
fn origins<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    values
        .map(|o| o.trim().trim_end_matches('/').to_string())
        .filter(|o| !o.is_empty())
        .collect()
}

fn parse_env<T: std::str::FromStr>(name: &str, value: &str) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    value
        .trim()
        .parse()
        .map_err(|e| anyhow::anyhow!("{name}={value:?} is invalid: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn cors_origins_come_as_browsers_send_them() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mercato.toml");
        std::fs::write(&file, "cors_origins = [\"https://file.example/\"]\n").unwrap();
        let overrides = Overrides {
            config_file: Some(file),
            ..Default::default()
        };
        let from_file = Settings::load_from(&overrides, env(&[])).unwrap();
        assert_eq!(from_file.cors_origins, vec!["https://file.example"]);
        let from_env = Settings::load_from(
            &overrides,
            env(&[(
                "MERCATO_CORS_ORIGINS",
                " https://a.example/, https://b.example:8443 ,",
            )]),
        )
        .unwrap();
        assert_eq!(
            from_env.cors_origins,
            vec!["https://a.example", "https://b.example:8443"]
        );
    }

    #[test]
    fn layers_apply_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mercato.toml");
        std::fs::write(
            &file,
            "addr = \"0.0.0.0:1\"\ndata_dir = \"/from/file\"\naccess_token_ttl_secs = 60\n",
        )
        .unwrap();
        let overrides = Overrides {
            config_file: Some(file),
            addr: Some("127.0.0.1:3".into()),
            ..Default::default()
        };
        let s = Settings::load_from(
            &overrides,
            env(&[
                ("MERCATO_ADDR", "127.0.0.1:2"),
                ("MERCATO_LOG_FORMAT", "json"),
            ]),
        )
        .unwrap();
        assert_eq!(s.addr, "127.0.0.1:3", "flags beat env beat file");
        assert_eq!(s.data_dir, PathBuf::from("/from/file"));
        assert_eq!(s.access_token_ttl, Duration::from_secs(60));
        assert_eq!(s.log_format, LogFormat::Json);
    }

    #[test]
    fn bad_values_are_reported_by_name() {
        let err = Settings::load_from(&Overrides::default(), env(&[("MERCATO_WORKERS", "many")]))
            .unwrap_err();
        assert!(err.to_string().contains("MERCATO_WORKERS"));
        let err = Settings::load_from(
            &Overrides::default(),
            env(&[("MERCATO_ACCESS_TOKEN_TTL", "100000000")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("shorter"));
    }

    #[test]
    fn the_older_allow_private_name_still_works() {
        let s = Settings::load_from(
            &Overrides::default(),
            env(&[("MERCATO_WEBHOOKS_ALLOW_PRIVATE", "true")]),
        )
        .unwrap();
        assert!(s.outbound_allow_private);
        let s = Settings::load_from(
            &Overrides::default(),
            env(&[
                ("MERCATO_WEBHOOKS_ALLOW_PRIVATE", "true"),
                ("MERCATO_OUTBOUND_ALLOW_PRIVATE", "false"),
            ]),
        )
        .unwrap();
        assert!(!s.outbound_allow_private, "the newer name wins");
    }

    #[test]
    fn unknown_file_keys_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mercato.toml");
        std::fs::write(&file, "adress = \"x\"\n").unwrap();
        let overrides = Overrides {
            config_file: Some(file),
            ..Default::default()
        };
        assert!(Settings::load_from(&overrides, env(&[])).is_err());
    }
}
