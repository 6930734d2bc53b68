//! Building and running the HTTP server. The same [`Application`] runs in production (`mercato
//! serve`) and in the API tests (on a random port with a fresh database).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpServer};
use anyhow::Context;

use crate::auth::tokens::TokenKeys;
use crate::cache::PublicCache;
use crate::cluster::{self, SharedKey};
use crate::config::Settings;
use crate::db::Db;
use crate::state::AppState;
use crate::store::outbox::{self, PublicChange};
use crate::{http, openapi, routes};

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    /// The metrics listener's port, when `metrics_addr` asks for one.
    metrics_port: Option<u16>,
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
        std::fs::create_dir_all(&settings.data_dir)?;
        let webhook_secrets = Arc::new(crate::webhooks::secrets::SecretBox::load(&settings)?);
        // Nodes sharing the database must hold the same keys: refuse to start otherwise.
        let now = settings.clock.now();
        cluster::agree(&db, SharedKey::Jwt, &tokens.fingerprint, now).await?;
        cluster::agree(&db, SharedKey::Webhook, &webhook_secrets.fingerprint, now).await?;
        let install_keys = Arc::new(
            crate::auth::install_tokens::InstallKeys::load(
                &db,
                webhook_secrets.clone(),
                &settings.data_dir,
            )
            .await?,
        );
        let domain_checker = Arc::new(crate::verification::Checker::new(&settings));
        let usage_folder = crate::usage::UsageFolder::new(db.clone());
        usage_folder.start();
        let sso = Arc::new(crate::sso::Providers::new(&settings.sso_providers)?);
        // On PostgreSQL the nodes share the buckets, so the limits hold for the cluster.
        let limits = crate::rate_limit::Limits::of(&settings);
        let rate_limiter = Arc::new(if db.is_postgres() {
            crate::rate_limit::RateLimiter::shared(limits, db.write.clone())
        } else {
            crate::rate_limit::RateLimiter::new(limits)
        });
        let state = AppState {
            settings: Arc::new(settings),
            db,
            tokens: Arc::new(tokens),
            install_keys,
            public_cache: Arc::new(public_cache),
            search,
            search_notify: Arc::new(tokio::sync::Notify::new()),
            usage_folder,
            usage_directory: Default::default(),
            webhook_secrets,
            sso,
            rate_limiter,
            domain_checker,
            metrics: Default::default(),
        };
        let listener = TcpListener::bind(&state.settings.addr)
            .with_context(|| format!("binding {}", state.settings.addr))?;
        let port = listener.local_addr()?.port();
        let server = run(listener, state.clone())?;
        let metrics_port = match &state.settings.metrics_addr {
            Some(addr) => {
                let listener = TcpListener::bind(addr)
                    .with_context(|| format!("binding the metrics listener {addr}"))?;
                let port = listener.local_addr()?.port();
                tokio::spawn(run_metrics(listener, state.clone())?);
                Some(port)
            }
            None => None,
        };
        tokio::spawn(sync_public_cache(state.clone()));
        tokio::spawn(state.install_keys.clone().follow(state.db.clone()));
        tokio::spawn(crate::leads::sla::run(
            state.db.clone(),
            state.settings.clock.clone(),
        ));
        tokio::spawn(crate::verification::schedule::run(state.clone()));
        tokio::spawn(crate::store::partitions::run(
            state.db.clone(),
            state.settings.clock.clone(),
            state.settings.event_retention_months,
        ));
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
                crash: crate::search::worker::CrashPoint::from_env()?,
                clock: state.settings.clock.clone(),
                renew_every: crate::search::worker::RENEW_EVERY,
            };
            tokio::spawn(worker.run());
        }
        Ok(Application {
            port,
            server,
            state,
            metrics_port,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
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
    state
        .metrics
        .cache_position
        .store(last, std::sync::atomic::Ordering::Relaxed);
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
                    state
                        .metrics
                        .cache_position
                        .store(last, std::sync::atomic::Ordering::Relaxed);
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading the outbox failed"),
        }
        if Instant::now() >= next_prune {
            next_prune = Instant::now() + Duration::from_secs(3600);
            if let Err(e) = outbox::prune(&state.db.write, state.settings.clock.now()).await {
                tracing::warn!(error = %e, "pruning the outbox failed");
            }
            if state.db.is_postgres() {
                if let Err(e) = crate::rate_limit::prune_shared(&state.db.write).await {
                    tracing::warn!(error = %e, "pruning idle rate-limit buckets failed");
                }
            }
            let forget = state.settings.clock.now() - crate::usage::IDEMPOTENCY_KEEP;
            if let Err(e) = crate::usage::prune_idempotency_keys(&state.db.write, forget).await {
                tracing::warn!(error = %e, "pruning usage idempotency keys failed");
            }
            let finished = state.settings.clock.now() - crate::webhooks::dispatch::KEEP_FINISHED;
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
            .wrap(from_fn(http::middleware::rate_limit))
            .wrap(from_fn(http::middleware::cors))
            .wrap(from_fn(http::middleware::security_headers))
            .wrap(from_fn(http::middleware::request_context))
            .configure(openapi::configure)
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

/// The metrics listener: `/metrics` and nothing else, one worker.
fn run_metrics(listener: TcpListener, state: AppState) -> anyhow::Result<Server> {
    let data = web::Data::new(state);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/metrics", web::get().to(routes::metrics::scrape_open))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run())
}
