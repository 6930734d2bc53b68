//! Install changes: the one place that writes an install, its event, the listing's counter
//! and the day's roll-up, all in the caller's transaction, at a given time (now, for the API).

use chrono::{DateTime, Utc};
use mercato_shared::api::webhooks::WebhookEvent;
use mercato_shared::api::workspaces::{InstallEventKind, InstallSource, InstallStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
    Statement,
};

use crate::analytics::days;
use crate::entities::{install_events, installs, listings, workspaces};
use crate::error::{ApiError, ApiResult};

/// UTM parameters of an install.
#[derive(Debug, Clone, Default)]
pub struct Utm {
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub term: Option<String>,
    pub content: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Change {
    Install { source: InstallSource, utm: Utm },
    Uninstall,
}

/// Counts added to one (listing, day, source) row of the funnel roll-up `listing_daily`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DailyCounts {
    pub views: i64,
    pub clicks: i64,
    pub installs: i64,
    pub uninstalls: i64,
}

/// Rows per multi-row statement (7 values each: within every database's parameter limits).
const DAILY_ROWS_PER_STATEMENT: usize = 1000;

/// Adds counts to (listing, day, source) rows of the funnel roll-up, creating them as needed.
pub async fn add_daily(
    db: &impl ConnectionTrait,
    rows: &[((i64, i32, String), DailyCounts)],
) -> ApiResult<()> {
    let backend = db.get_database_backend();
    for chunk in rows.chunks(DAILY_ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO listing_daily (listing_id, day, source, views, clicks, installs, uninstalls) \
             VALUES {} ON CONFLICT (listing_id, day, source) DO UPDATE SET \
             views = listing_daily.views + excluded.views, clicks = listing_daily.clicks + excluded.clicks, \
             installs = listing_daily.installs + excluded.installs, \
             uninstalls = listing_daily.uninstalls + excluded.uninstalls",
            crate::usage::rollups::placeholders(backend, chunk.len(), 7)
        );
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 7);
        for ((listing_id, day, source), c) in chunk {
            values.extend([
                (*listing_id).into(),
                (*day).into(),
                source.as_str().into(),
                c.views.into(),
                c.clicks.into(),
                c.installs.into(),
                c.uninstalls.into(),
            ]);
        }
        db.execute(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

/// A column of the funnel roll-up that single events add one to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DailyColumn {
    Views,
    Clicks,
    Installs,
    Uninstalls,
}

impl DailyColumn {
    fn one(self) -> DailyCounts {
        let mut c = DailyCounts::default();
        match self {
            DailyColumn::Views => c.views = 1,
            DailyColumn::Clicks => c.clicks = 1,
            DailyColumn::Installs => c.installs = 1,
            DailyColumn::Uninstalls => c.uninstalls = 1,
        }
        c
    }
}

/// Adds one to a column of a listing's day in the funnel roll-up.
pub async fn bump_daily(
    db: &impl ConnectionTrait,
    listing_id: i64,
    day: i32,
    source: InstallSource,
    column: DailyColumn,
) -> ApiResult<()> {
    add_daily(
        db,
        &[((listing_id, day, source.as_str().to_string()), column.one())],
    )
    .await
}

async fn record_event(
    db: &impl ConnectionTrait,
    install: &installs::Model,
    kind: InstallEventKind,
    actor: Option<i64>,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    install_events::ActiveModel {
        install_id: Set(install.id),
        workspace_id: Set(install.workspace_id),
        listing_id: Set(install.listing_id),
        kind: Set(kind),
        actor_id: Set(actor),
        source: Set(install.source),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn move_active_installs(
    db: &impl ConnectionTrait,
    listing_id: i64,
    delta: i64,
) -> ApiResult<()> {
    listings::Entity::update_many()
        .col_expr(
            listings::Column::ActiveInstalls,
            Expr::col(listings::Column::ActiveInstalls).add(delta),
        )
        .filter(listings::Column::Id.eq(listing_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Applies a change at `at`. Returns the install and whether anything changed (installing an
/// installed listing or uninstalling an uninstalled one changes nothing); `None` for an
/// uninstall of a listing that was never installed.
pub async fn apply(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    listing_id: i64,
    change: Change,
    actor: Option<i64>,
    at: DateTime<Utc>,
) -> ApiResult<Option<(installs::Model, bool)>> {
    let existing = installs::Entity::find()
        .filter(installs::Column::WorkspaceId.eq(workspace_id))
        .filter(installs::Column::ListingId.eq(listing_id))
        .one(db)
        .await?;
    let day = days::of_time(at);
    match (change, existing) {
        (Change::Install { .. }, Some(i)) if i.status == InstallStatus::Active => {
            Ok(Some((i, false)))
        }
        (Change::Install { source, utm }, existing) => {
            let reinstall = existing.is_some();
            let mut row = match existing {
                Some(i) => i.into_active_model(),
                None => installs::ActiveModel {
                    workspace_id: Set(workspace_id),
                    listing_id: Set(listing_id),
                    ..Default::default()
                },
            };
            row.status = Set(InstallStatus::Active);
            row.source = Set(source);
            row.utm_source = Set(utm.source);
            row.utm_medium = Set(utm.medium);
            row.utm_campaign = Set(utm.campaign);
            row.utm_term = Set(utm.term);
            row.utm_content = Set(utm.content);
            row.installed_by = Set(actor);
            row.installed_at = Set(at);
            row.uninstalled_at = Set(None);
            row.updated_at = Set(at);
            let install = if reinstall {
                row.update(db).await?
            } else {
                row.insert(db).await.map_err(|e| {
                    // Two first installs of one pair at once: one wins; the other may retry.
                    if crate::store::is_unique_violation(&e) {
                        ApiError::Unavailable("a concurrent install of the same listing; retry")
                    } else {
                        e.into()
                    }
                })?
            };
            record_event(
                db,
                &install,
                if reinstall {
                    InstallEventKind::Reinstalled
                } else {
                    InstallEventKind::Installed
                },
                actor,
                at,
            )
            .await?;
            move_active_installs(db, listing_id, 1).await?;
            bump_daily(db, listing_id, day, install.source, DailyColumn::Installs).await?;
            tell_partner(db, &install, WebhookEvent::InstallCreated, at).await?;
            Ok(Some((install, true)))
        }
        (Change::Uninstall, None) => Ok(None),
        (Change::Uninstall, Some(i)) if i.status != InstallStatus::Active => Ok(Some((i, false))),
        (Change::Uninstall, Some(i)) => {
            let mut row = i.into_active_model();
            row.status = Set(InstallStatus::Uninstalled);
            row.uninstalled_at = Set(Some(at));
            row.updated_at = Set(at);
            let install = row.update(db).await?;
            record_event(db, &install, InstallEventKind::Uninstalled, actor, at).await?;
            move_active_installs(db, listing_id, -1).await?;
            bump_daily(db, listing_id, day, install.source, DailyColumn::Uninstalls).await?;
            tell_partner(db, &install, WebhookEvent::InstallRemoved, at).await?;
            Ok(Some((install, true)))
        }
    }
}

/// Queues the install webhook for the listing's partner.
async fn tell_partner(
    db: &impl ConnectionTrait,
    install: &installs::Model,
    event: WebhookEvent,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    let Some(listing) = listings::Entity::find_by_id(install.listing_id)
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let to = crate::webhooks::subscribers(db, listing.partner_id, event).await?;
    if to.is_empty() {
        return Ok(());
    }
    let workspace = workspaces::Entity::find_by_id(install.workspace_id)
        .one(db)
        .await?;
    let data = serde_json::json!({
        "install": {
            "id": install.id,
            "listing": listing.slug,
            "workspace": {
                "id": install.workspace_id,
                "name": workspace.as_ref().map(|w| w.name.as_str()),
                "domain": workspace.as_ref().and_then(|w| w.domain.as_deref()),
            },
            "status": install.status,
            "source": install.source,
            "installed_at": install.installed_at,
            "uninstalled_at": install.uninstalled_at,
        }
    });
    to.queue(db, data, at).await
}
