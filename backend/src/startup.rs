//! Building and running the HTTP server. The same [`Application`] runs in production (`mercato
//! serve`) and in the API tests (on a random port with a fresh database).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::{from_fn, Compress, Next};
use actix_web::{web, App, HttpResponse, HttpServer, ResponseError};
use anyhow::Context;
use tracing::Instrument;

use crate::auth::tokens::TokenKeys;
use crate::cache::PublicCache;
use crate::config::Settings;
use crate::db::Db;
use crate::error::REQUEST_ID;
use crate::routes;
use crate::state::AppState;
use crate::store::outbox::{self, PublicChange};

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Connects to the database, applies migrations and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let db = Db::connect(&settings).await?;
        db.migrate().await?;
        let tokens = TokenKeys::load(&settings)?;
        let public_cache =
            PublicCache::new(settings.public_cache_capacity, settings.public_cache_ttl);
        let search = crate::search::open(&settings).await?;
        let install_keys = crate::auth::install_tokens::InstallKeys::load(&settings.data_dir)?;
        std::fs::create_dir_all(&settings.data_dir)?;
        let webhook_secrets = Arc::new(crate::webhooks::secrets::SecretBox::load(&settings)?);
        let domain_checker = Arc::new(crate::verification::Checker::new(&settings));
        let usage_folder = crate::usage::UsageFolder::new(db.clone());
        usage_folder.start();
        let sso = Arc::new(crate::sso::Providers::new(&settings.sso_providers)?);
        let rate_limiter = Arc::new(crate::rate_limit::RateLimiter::new(settings.rate_limits));
        let state = AppState {
            settings: Arc::new(settings),
            db,
            tokens: Arc::new(tokens),
            install_keys: Arc::new(install_keys),
            public_cache: Arc::new(public_cache),
            search,
            search_notify: Arc::new(tokio::sync::Notify::new()),
            usage_folder,
            usage_directory: Default::default(),
            webhook_secrets,
            sso,
            rate_limiter,
            domain_checker,
        };
        let listener = TcpListener::bind(&state.settings.addr)
            .with_context(|| format!("binding {}", state.settings.addr))?;
        let port = listener.local_addr()?.port();
        let server = run(listener, state.clone())?;
        tokio::spawn(sync_public_cache(state.clone()));
        tokio::spawn(crate::leads::sla::run(
            state.db.clone(),
            state.settings.clock.clone(),
        ));
        tokio::spawn(crate::verification::schedule::run(state.clone()));
        for _ in 0..state.settings.webhook_workers {
            let dispatcher = crate::webhooks::dispatch::Dispatcher::new(
                state.db.clone(),
                state.settings.clock.clone(),
                state.settings.outbound_allow_private,
                state.webhook_secrets.clone(),
            );
            tokio::spawn(dispatcher.run());
        }
        if state.settings.search_worker {
            let worker = crate::search::worker::Worker {
                db: state.db.clone(),
                index: state.search.clone(),
                owner: format!("serve-{}", uuid::Uuid::new_v4().simple()),
                notify: state.search_notify.clone(),
                crash: state
                    .settings
                    .search_crash
                    .as_deref()
                    .and_then(crate::search::worker::CrashPoint::parse),
                clock: state.settings.clock.clone(),
                renew_every: crate::search::worker::RENEW_EVERY,
            };
            tokio::spawn(worker.run());
        }
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGINT/SIGTERM, then drains in-flight requests (actix's graceful
    /// shutdown) and closes the database pools.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.server.await?;
        self.state.db.close().await;
        Ok(())
    }

    /// Serves until SIGINT (Ctrl-C) or SIGTERM, then shuts down gracefully: stops accepting
    /// connections, lets in-flight requests finish (up to 20 s), and closes the database.
    pub async fn run_until_signalled(self) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let server = tokio::spawn(self.server);
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        handle.stop(true).await;
        server.await??;
        self.state.db.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// Applies the public changes other instances (and `mercato import`) record in the outbox to
/// this instance's cache, and prunes outbox entries older than a day that every search index
/// has applied (see `outbox::prune`; this cache needs no more: it reads the outbox twice a
/// second and starts from its end).
///
/// On PostgreSQL, entries can commit out of id order; an entry committed after a later id was
/// read is missed here, and the cache TTL bounds how long its staleness lasts.
async fn sync_public_cache(state: AppState) {
    let mut last = outbox::latest_id(&state.db.read).await.unwrap_or(0);
    let mut interval = tokio::time::interval(Duration::from_millis(500));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut next_prune = Instant::now() + Duration::from_secs(60);
    loop {
        interval.tick().await;
        match outbox::since(&state.db.read, last, 1000).await {
            Ok(rows) => {
                for row in rows {
                    let change = PublicChange::from_row(&row);
                    state.public_cache.apply(&change);
                    state.usage_directory.apply(&change);
                    last = row.id;
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading the outbox failed"),
        }
        if Instant::now() >= next_prune {
            next_prune = Instant::now() + Duration::from_secs(3600);
            if let Err(e) = outbox::prune(&state.db.write, state.settings.clock.now()).await {
                tracing::warn!(error = %e, "pruning the outbox failed");
            }
            let forget = chrono::Utc::now() - crate::usage::IDEMPOTENCY_KEEP;
            if let Err(e) = crate::usage::prune_idempotency_keys(&state.db.write, forget).await {
                tracing::warn!(error = %e, "pruning usage idempotency keys failed");
            }
            let finished = chrono::Utc::now() - crate::webhooks::dispatch::KEEP_FINISHED;
            if let Err(e) = crate::webhooks::dispatch::prune(&state.db, finished).await {
                tracing::warn!(error = %e, "pruning the webhook delivery log failed");
            }
        }
    }
}

/// The actix application factory, shared by the server and nothing else: every route, the
/// error handlers and the middleware are configured here.
pub fn run(listener: TcpListener, state: AppState) -> anyhow::Result<Server> {
    let data = web::Data::new(state.clone());
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(Compress::default())
            .wrap(from_fn(crate::rate_limit::limit))
            .wrap(from_fn(cors))
            .wrap(from_fn(security_headers))
            .wrap(from_fn(request_context))
            .configure(routes::configure)
    })
    .shutdown_timeout(20)
    // Signals are handled in `run_until_signalled`, so that Ctrl-C is graceful too (actix
    // treats SIGINT as a forced stop) and tests never react to signals.
    .disable_signals()
    .listen(listener)?;
    if let Some(workers) = state.settings.workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}

/// Gives every request an id (the client's `X-Request-Id` if it is sane), a tracing span, and
/// one log line with status and latency.
async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.path(),
    );
    let started = Instant::now();
    let result = REQUEST_ID
        .scope(request_id.clone(), next.call(req).instrument(span.clone()))
        .await;
    let _guard = span.enter();
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
            if status >= 500 {
                tracing::error!(status, elapsed_ms, "request failed");
            } else {
                tracing::debug!(status, elapsed_ms, "request");
            }
            if let Ok(v) = HeaderValue::from_str(&request_id) {
                res.headers_mut()
                    .insert(HeaderName::from_static("x-request-id"), v);
            }
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// Cross-origin access to the API for the configured origins only (`cors_origins`): their
/// requests get `Access-Control-Allow-Origin` and their preflights are answered here; a
/// preflight from any other origin is refused, so browsers keep other sites out. Same-origin
/// requests (the web app) are untouched.
async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !req.path().starts_with("/api/") {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let allowed = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .filter(|origin| {
            req.app_data::<web::Data<AppState>>()
                .is_some_and(|s| s.settings.cors_origins.iter().any(|a| a == origin))
        })
        .map(str::to_string);
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let response = match &allowed {
            Some(origin) => HttpResponse::NoContent()
                .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.as_str()))
                .insert_header((
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    "GET, POST, PUT, PATCH, DELETE",
                ))
                .insert_header((
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    "authorization, content-type, idempotency-key",
                ))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
                .insert_header((header::VARY, "Origin"))
                .finish(),
            None => crate::error::ApiError::Forbidden("this origin may not call the API")
                .error_response(),
        };
        let (req, _) = req.into_parts();
        return Ok(ServiceResponse::new(req, response));
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    if let Some(origin) = allowed {
        let h = res.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&origin) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        }
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("location, retry-after, x-request-id"),
        );
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    Ok(res)
}

/// Headers every response carries.
async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // Behind TLS (the configured public origin is https), browsers are told to use https only.
    let behind_tls = req
        .app_data::<web::Data<AppState>>()
        .and_then(|state| state.settings.public_url.as_deref())
        .is_some_and(|url| url.starts_with("https://"));
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    if behind_tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; \
                 script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; frame-ancestors 'none'; \
                 base-uri 'self'; form-action 'self'",
            ),
        );
    }
    Ok(res)
}
