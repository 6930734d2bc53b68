//! Typed settings, layered: built-in defaults, then an optional TOML file (`--config FILE` or
//! `MERCATO_CONFIG`), then environment variables, then command-line flags.
//!
//! Each setting is declared once, in the [`settings!`] table below: its type, default,
//! environment variable(s) and file key(s). The macro writes the struct, its defaults, the file's
//! shape and both layers from it. This module sits at the bottom of the crate: it imports
//! nothing of Mercato's but the clock.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::clock::Clock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines for a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// How a setting's value is written in an environment variable and in the TOML file.
pub trait SettingValue: Sized {
    /// The value as the file writes it.
    type File: DeserializeOwned;
    fn from_env(text: &str) -> Result<Self, String>;
    fn from_file(value: Self::File) -> Result<Self, String>;
}

/// Types whose environment form is their `FromStr` and whose file form is themselves.
macro_rules! plain_setting_values {
    ($($ty:ty),*) => {$(
        impl SettingValue for $ty {
            type File = $ty;
            fn from_env(text: &str) -> Result<Self, String> {
                text.trim().parse().map_err(|e| format!("{e}"))
            }
            fn from_file(value: $ty) -> Result<Self, String> {
                Ok(value)
            }
        }
    )*};
}
plain_setting_values!(String, PathBuf, bool, u16, u32, u64, usize, SocketAddr);

impl<T: SettingValue> SettingValue for Option<T> {
    type File = T::File;
    fn from_env(text: &str) -> Result<Self, String> {
        T::from_env(text).map(Some)
    }
    fn from_file(value: T::File) -> Result<Self, String> {
        T::from_file(value).map(Some)
    }
}

/// Durations are whole seconds in both layers (the file keys end in `_secs`).
impl SettingValue for Duration {
    type File = u64;
    fn from_env(text: &str) -> Result<Self, String> {
        u64::from_env(text).map(Duration::from_secs)
    }
    fn from_file(value: u64) -> Result<Self, String> {
        Ok(Duration::from_secs(value))
    }
}

impl SettingValue for SecretString {
    type File = String;
    fn from_env(text: &str) -> Result<Self, String> {
        Ok(SecretString::from(text.to_string()))
    }
    fn from_file(value: String) -> Result<Self, String> {
        Ok(SecretString::from(value))
    }
}

impl SettingValue for LogFormat {
    type File = LogFormat;
    fn from_env(text: &str) -> Result<Self, String> {
        match text.trim() {
            "pretty" => Ok(LogFormat::Pretty),
            "json" => Ok(LogFormat::Json),
            _ => Err("must be pretty or json".into()),
        }
    }
    fn from_file(value: LogFormat) -> Result<Self, String> {
        Ok(value)
    }
}

/// Origins as browsers send them in `Origin`: comma-separated in the environment, a list in the
/// file; trimmed, without a trailing slash, blanks dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins(pub Vec<String>);

impl Origins {
    fn of<'a>(values: impl Iterator<Item = &'a str>) -> Origins {
        Origins(
            values
                .map(|o| o.trim().trim_end_matches('/').to_string())
                .filter(|o| !o.is_empty())
                .collect(),
        )
    }
}

impl SettingValue for Origins {
    type File = Vec<String>;
    fn from_env(text: &str) -> Result<Self, String> {
        Ok(Origins::of(text.split(',')))
    }
    fn from_file(value: Vec<String>) -> Result<Self, String> {
        Ok(Origins::of(value.iter().map(String::as_str)))
    }
}

/// Networks of the proxies in front of Mercato (`10.0.0.0/8, 192.168.1.7`): from those peers
/// only, `Forwarded` / `X-Forwarded-For` name the client. Comma-separated in the environment,
/// a list in the file; a bare address is a /32 (or /128).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<ipnet::IpNet>);

impl TrustedProxies {
    fn parse<'a>(values: impl Iterator<Item = &'a str>) -> Result<TrustedProxies, String> {
        let mut nets = Vec::new();
        for raw in values.map(str::trim).filter(|v| !v.is_empty()) {
            let net = match raw.parse::<ipnet::IpNet>() {
                Ok(net) => net,
                Err(_) => raw
                    .parse::<std::net::IpAddr>()
                    .map(ipnet::IpNet::from)
                    .map_err(|_| format!("{raw:?} is not an address or CIDR"))?,
            };
            nets.push(net);
        }
        Ok(TrustedProxies(nets))
    }

    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        // An IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d.
        let ip = match ip {
            std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
            v4 => v4,
        };
        self.0.iter().any(|net| net.contains(&ip))
    }
}

impl SettingValue for TrustedProxies {
    type File = Vec<String>;
    fn from_env(text: &str) -> Result<Self, String> {
        TrustedProxies::parse(text.split(','))
    }
    fn from_file(value: Vec<String>) -> Result<Self, String> {
        TrustedProxies::parse(value.iter().map(String::as_str))
    }
}

/// Single sign-on providers come from the file's `[[sso_providers]]` tables (and from
/// `MERCATO_OIDC_*` / `MERCATO_GITHUB_*`, see [`Settings::apply_sso_env`]).
impl SettingValue for Vec<SsoProviderSettings> {
    type File = Vec<SsoProviderFile>;
    fn from_env(_: &str) -> Result<Self, String> {
        Err(
            "providers are configured in the file or through MERCATO_OIDC_* and MERCATO_GITHUB_*"
                .into(),
        )
    }
    fn from_file(value: Vec<SsoProviderFile>) -> Result<Self, String> {
        Ok(value.into_iter().map(SsoProviderSettings::from).collect())
    }
}

/// Declares the settings: for each, its doc, `name: Type = default`, the environment variables
/// that set it (a later one wins over an earlier one: older names come first) and its file keys
/// (likewise). First the fields that are not configuration but travel with it (`runtime`).
macro_rules! settings {
    (
        runtime {
            $(
                $(#[doc = $rdoc:literal])*
                $rfield:ident: $rty:ty = $rdefault:expr;
            )*
        }
        $(
            $(#[doc = $doc:literal])*
            $field:ident: $ty:ty = $default:expr, env [$($env:literal),*], file [$($key:ident),*];
        )*
    ) => {
        #[derive(Debug, Clone)]
        pub struct Settings {
            $( $(#[doc = $doc])* pub $field: $ty, )*
            $( $(#[doc = $rdoc])* pub $rfield: $rty, )*
        }

        impl Default for Settings {
            fn default() -> Self {
                Settings {
                    $( $field: $default, )*
                    $( $rfield: $rdefault, )*
                }
            }
        }

        /// The file layer: every key optional, unknown keys rejected (a typo should not be
        /// silently ignored).
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct FileSettings {
            $( $( $key: Option<<$ty as SettingValue>::File>, )* )*
        }

        impl Settings {
            /// Every environment variable a setting reads, for the documentation's check.
            pub const ENVIRONMENT: &'static [&'static str] = &[$( $($env,)* )*];

            fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
                $(
                    for name in [$($env),*] {
                        if let Some(text) = env(name).filter(|v| !v.trim().is_empty()) {
                            self.$field = <$ty as SettingValue>::from_env(&text)
                                .map_err(|e| anyhow::anyhow!("{name}={text:?} is invalid: {e}"))?;
                        }
                    }
                )*
                Ok(())
            }

            fn apply_file_values(&mut self, file: FileSettings) -> anyhow::Result<()> {
                $(
                    $(
                        if let Some(value) = file.$key {
                            self.$field = <$ty as SettingValue>::from_file(value).map_err(|e| {
                                anyhow::anyhow!("{} in the configuration file is invalid: {e}", stringify!($key))
                            })?;
                        }
                    )*
                )*
                Ok(())
            }
        }
    };
}

settings! {
    runtime {
        /// URLs per sitemap file; past it, `/sitemap.xml` is an index (the protocol's limit).
        sitemap_urls_per_file: u64 = 50_000;
        /// The application's clock: every reading of the time goes through it (tests drive a
        /// manual one).
        clock: Clock = Clock::System;
    }
    /// Where `serve` listens, `HOST:PORT`.
    addr: String = "127.0.0.1:8080".into(), env ["MERCATO_ADDR"], file [addr];
    /// Holds the SQLite database, generated keys and the search index.
    data_dir: PathBuf = PathBuf::from("data"), env ["MERCATO_DATA_DIR"], file [data_dir];
    /// `postgres://…` to use PostgreSQL; `sqlite://…` for a specific SQLite file. Unset: the
    /// SQLite file `mercato.db` in the data directory.
    database_url: Option<String> = None, env ["DATABASE_URL"], file [database_url];
    /// The built web app (style.css, boot.js, pkg/).
    web_dir: PathBuf = PathBuf::from("frontend/dist"), env ["MERCATO_WEB_DIR"], file [web_dir];
    access_token_ttl: Duration = Duration::from_secs(15 * 60),
        env ["MERCATO_ACCESS_TOKEN_TTL"], file [access_token_ttl_secs];
    refresh_token_ttl: Duration = Duration::from_secs(30 * 24 * 3600),
        env ["MERCATO_REFRESH_TOKEN_TTL"], file [refresh_token_ttl_secs];
    /// HMAC key for access tokens. Unset: a random key generated once and kept in the data
    /// directory. Several instances behind one load balancer must share it.
    jwt_secret: Option<SecretString> = None, env ["MERCATO_JWT_SECRET"], file [jwt_secret];
    log_format: LogFormat = LogFormat::Pretty, env ["MERCATO_LOG_FORMAT"], file [log_format];
    /// A `tracing` filter such as `info` or `mercato=debug,info`.
    log_filter: String = "info".into(), env ["RUST_LOG", "MERCATO_LOG"], file [log];
    /// HTTP worker threads; unset: one per core.
    workers: Option<usize> = None, env ["MERCATO_WORKERS"], file [workers];
    /// Largest JSON body any route accepts.
    max_body_bytes: usize = 256 * 1024, env ["MERCATO_MAX_BODY_BYTES"], file [max_body_bytes];
    /// Largest total size of a request's header names and values.
    max_header_bytes: usize = 16 * 1024, env ["MERCATO_MAX_HEADER_BYTES"], file [max_header_bytes];
    /// Connections in the database pool (readers, for SQLite).
    db_pool_size: u32 = 4, env ["MERCATO_DB_POOL_SIZE"], file [db_pool_size];
    /// How long a cached public response may be served (0 disables the cache); see `cache.rs`.
    public_cache_ttl: Duration = Duration::from_secs(60),
        env ["MERCATO_PUBLIC_CACHE_TTL"], file [public_cache_ttl_secs];
    /// How many public responses the cache holds.
    public_cache_capacity: usize = 50_000,
        env ["MERCATO_PUBLIC_CACHE_CAPACITY"], file [public_cache_capacity];
    /// Meilisearch instead of the embedded tantivy index.
    meilisearch_url: Option<String> = None, env ["MEILISEARCH_URL"], file [meilisearch_url];
    meilisearch_api_key: Option<SecretString> = None,
        env ["MEILISEARCH_API_KEY"], file [meilisearch_api_key];
    /// The Meilisearch index to use.
    meilisearch_index: String = "listings".into(),
        env ["MERCATO_MEILISEARCH_INDEX"], file [meilisearch_index];
    /// Whether `serve` keeps the search index up to date (one process per index must).
    search_worker: bool = true, env ["MERCATO_SEARCH_WORKER"], file [search_worker];
    /// Requests per minute per client address (0: no limit).
    rate_limit_per_address: u32 = 1200,
        env ["MERCATO_RATE_LIMIT_PER_ADDRESS"], file [rate_limit_per_address];
    /// Requests per minute per signed-in account (0: no limit).
    rate_limit_per_account: u32 = 600,
        env ["MERCATO_RATE_LIMIT_PER_ACCOUNT"], file [rate_limit_per_account];
    /// Requests per minute per partner API key (0: no limit).
    rate_limit_per_api_key: u32 = 3000,
        env ["MERCATO_RATE_LIMIT_PER_API_KEY"], file [rate_limit_per_api_key];
    /// Leads one client address may submit per hour (abuse control).
    leads_per_address_per_hour: u64 = 20,
        env ["MERCATO_LEADS_PER_ADDRESS_PER_HOUR"], file [leads_per_address_per_hour];
    /// Base64 of the 32-byte key that seals webhook signing secrets. Unset: a key generated
    /// once and kept in the data directory. Instances sharing a database must share it.
    webhook_key: Option<SecretString> = None, env ["MERCATO_WEBHOOK_KEY"], file [webhook_key];
    /// Lets requests to user-given addresses (webhook deliveries, domain verification checks)
    /// reach loopback, private and link-local addresses, and webhook endpoints be plain
    /// `http://` URLs: for tests and on-premise receivers only.
    outbound_allow_private: bool = false,
        env ["MERCATO_WEBHOOKS_ALLOW_PRIVATE", "MERCATO_OUTBOUND_ALLOW_PRIVATE"],
        file [webhooks_allow_private, outbound_allow_private];
    /// Whole months of usage roll-ups and install events kept before the current month (0:
    /// all). At least 14 when set (usage is accepted up to 400 days late). On PostgreSQL a
    /// month past it is dropped as a whole partition.
    event_retention_months: u32 = 0,
        env ["MERCATO_EVENT_RETENTION_MONTHS"], file [event_retention_months];
    /// How often a verified partner domain is checked again.
    domain_recheck_interval: Duration = Duration::from_secs(24 * 3600),
        env ["MERCATO_DOMAIN_RECHECK_SECS"], file [domain_recheck_secs];
    /// The DNS server asked for verification TXT records. Unset: the first `nameserver` of
    /// `/etc/resolv.conf`.
    dns_resolver: Option<SocketAddr> = None, env ["MERCATO_DNS_RESOLVER"], file [dns_resolver];
    /// Test hook: fetch verification files over plain `http://DOMAIN:PORT` instead of
    /// `https://DOMAIN` (so a test's loopback server can answer).
    domain_verification_test_port: Option<u16> = None,
        env ["MERCATO_TEST_DOMAIN_VERIFICATION_PORT"], file [];
    /// Webhook dispatch workers in this process (0: none, for instances that only serve).
    webhook_workers: usize = 1, env ["MERCATO_WEBHOOK_WORKERS"], file [webhook_workers];
    /// The site's public origin (`https://market.example.com`) for canonical links and the
    /// sitemap. Unset: the origin each request came to.
    public_url: Option<String> = None, env ["MERCATO_PUBLIC_URL"], file [public_url];
    /// Origins allowed to call the API from a browser on another site
    /// (`https://app.partner.example`); empty: the API is same-origin only.
    cors_origins: Origins = Origins::default(), env ["MERCATO_CORS_ORIGINS"], file [cors_origins];
    /// The proxies (load balancers) whose forwarding headers are believed; none: the client is
    /// always the connection's peer. See `http::client`.
    trusted_proxies: TrustedProxies = TrustedProxies::default(),
        env ["MERCATO_TRUSTED_PROXIES"], file [trusted_proxies];
    /// A bearer token that lets `GET /metrics` answer on the main listener; unset: it does not
    /// exist there (404).
    metrics_token: Option<SecretString> = None, env ["MERCATO_METRICS_TOKEN"], file [metrics_token];
    /// `HOST:PORT` of a listener that serves `/metrics` only, without a token (bind it to an
    /// address only monitoring reaches); unset: none.
    metrics_addr: Option<String> = None, env ["MERCATO_METRICS_ADDR"], file [metrics_addr];
    /// Single sign-on providers (OpenID Connect by issuer, GitHub); see `sso`.
    sso_providers: Vec<SsoProviderSettings> = Vec::new(), env [], file [sso_providers];
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
pub struct SsoProviderFile {
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
        s.apply_env(&env)?;
        s.apply_sso_env(&env);

        if let Some(v) = &overrides.data_dir {
            s.data_dir = v.clone();
        }
        if let Some(v) = &overrides.database_url {
            s.database_url = Some(v.clone()).filter(|v| !v.is_empty());
        }
        if let Some(v) = &overrides.addr {
            s.addr = v.clone();
        }
        if let Some(url) = &mut s.meilisearch_url {
            *url = url.trim_end_matches('/').to_string();
        }
        s.check()?;
        Ok(s)
    }

    fn apply_file(&mut self, path: &Path) -> anyhow::Result<()> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the configuration file {}", path.display()))?;
        let f: FileSettings = toml::from_str(&text)
            .with_context(|| format!("parsing the configuration file {}", path.display()))?;
        self.apply_file_values(f)
    }

    /// `MERCATO_OIDC_ISSUER` + `_CLIENT_ID` (+ `_CLIENT_SECRET`, `_NAME`) add the provider `oidc`;
    /// `MERCATO_GITHUB_CLIENT_ID` (+ `_SECRET`) the provider `github`, replacing file entries of
    /// the same id.
    fn apply_sso_env(&mut self, env: &impl Fn(&str) -> Option<String>) {
        let set = |name: &str| env(name).filter(|v| !v.is_empty());
        if let (Some(issuer), Some(client_id)) =
            (set("MERCATO_OIDC_ISSUER"), set("MERCATO_OIDC_CLIENT_ID"))
        {
            self.sso_providers.retain(|p| p.id != "oidc");
            self.sso_providers.push(SsoProviderSettings {
                id: "oidc".into(),
                name: set("MERCATO_OIDC_NAME").unwrap_or_else(|| "single sign-on".into()),
                kind: SsoKind::Oidc,
                issuer: Some(issuer),
                client_id,
                client_secret: env("MERCATO_OIDC_CLIENT_SECRET").map(SecretString::from),
                authorize_url: None,
                token_url: None,
                api_url: None,
            });
        }
        if let Some(client_id) = set("MERCATO_GITHUB_CLIENT_ID") {
            self.sso_providers.retain(|p| p.id != "github");
            self.sso_providers.push(SsoProviderSettings {
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
    }

    fn check(&self) -> anyhow::Result<()> {
        if self.access_token_ttl.is_zero() || self.refresh_token_ttl.is_zero() {
            bail!("token lifetimes must be positive");
        }
        if self.access_token_ttl >= self.refresh_token_ttl {
            bail!("the access token lifetime must be shorter than the refresh token lifetime");
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
        if self.event_retention_months != 0 && self.event_retention_months < 14 {
            bail!("MERCATO_EVENT_RETENTION_MONTHS must be 0 (keep all) or at least 14: usage is accepted up to 400 days late");
        }
        if self.db_pool_size == 0 {
            bail!("the database pool needs at least one connection");
        }
        Ok(())
    }
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
        assert_eq!(from_file.cors_origins.0, vec!["https://file.example"]);
        let from_env = Settings::load_from(
            &overrides,
            env(&[(
                "MERCATO_CORS_ORIGINS",
                " https://a.example/, https://b.example:8443 ,",
            )]),
        )
        .unwrap();
        assert_eq!(
            from_env.cors_origins.0,
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
    fn a_retention_shorter_than_the_late_usage_window_is_refused() {
        let load = |months: &str| {
            Settings::load_from(
                &Overrides::default(),
                env(&[("MERCATO_EVENT_RETENTION_MONTHS", months)]),
            )
        };
        let err = load("6").unwrap_err().to_string();
        assert!(err.contains("MERCATO_EVENT_RETENTION_MONTHS"), "{err}");
        assert_eq!(load("14").unwrap().event_retention_months, 14);
        assert_eq!(load("0").unwrap().event_retention_months, 0);
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

    #[test]
    fn the_readme_documents_every_environment_variable() {
        let readme = include_str!("../../README.md");
        let table: Vec<&str> = readme
            .lines()
            .skip_while(|l| !l.starts_with("## Configuration"))
            .take_while(|l| !l.starts_with("Example `mercato.toml`"))
            .collect();
        for name in Settings::ENVIRONMENT {
            assert!(
                table.iter().any(|l| l.contains(&format!("`{name}`"))),
                "{name} is missing from the README's configuration table"
            );
        }
    }

    #[test]
    fn empty_variables_leave_a_setting_alone() {
        let s = Settings::load_from(
            &Overrides::default(),
            env(&[("DATABASE_URL", ""), ("MERCATO_WORKERS", " ")]),
        )
        .unwrap();
        assert_eq!(s.database_url, None);
        assert_eq!(s.workers, None);
    }

    #[test]
    fn trusted_proxies_are_networks_or_addresses() {
        let s = Settings::load_from(
            &Overrides::default(),
            env(&[("MERCATO_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 ,::1")]),
        )
        .unwrap();
        let t = &s.trusted_proxies;
        assert!(t.contains("10.1.2.3".parse().unwrap()));
        assert!(t.contains("192.0.2.7".parse().unwrap()));
        assert!(!t.contains("192.0.2.8".parse().unwrap()));
        assert!(t.contains("::ffff:10.9.9.9".parse().unwrap()), "v4-mapped");
        assert!(t.contains("::1".parse().unwrap()));
        let err = Settings::load_from(
            &Overrides::default(),
            env(&[("MERCATO_TRUSTED_PROXIES", "10.0.0.0/8,nonsense")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("MERCATO_TRUSTED_PROXIES"));
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let s = Settings::load_from(
            &Overrides::default(),
            env(&[
                ("MEILISEARCH_API_KEY", "meili-master-key-do-not-print"),
                ("MERCATO_JWT_SECRET", "jwt-secret-do-not-print-0123456789"),
                ("MERCATO_METRICS_TOKEN", "metrics-token-do-not-print"),
            ]),
        )
        .unwrap();
        let printed = format!("{s:?}");
        for secret in [
            "meili-master-key-do-not-print",
            "jwt-secret-do-not-print",
            "metrics-token-do-not-print",
        ] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
    }
}
