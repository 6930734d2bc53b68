//! The audit log as marketplace admins read it: newest first, filtered, a page at a time,
//! each entry with its actor's current name.

use mercato_shared::api::audit::AuditEntry;
use mercato_shared::api::Page;

use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::audit::Filter;
use crate::{pagination, store, views};

/// A page of entries matching `filter` (`limit` checked by the caller's parser).
pub async fn page(state: &AppState, filter: &Filter, limit: u64) -> ApiResult<Page<AuditEntry>> {
    let mut rows = store::audit::newest(&state.db.read, filter, limit + 1).await?;
    let next_cursor = (rows.len() as u64 > limit).then(|| {
        rows.truncate(limit as usize);
        pagination::encode(&rows.last().map_or(0, |e| e.id))
    });
    let names = store::users::display_names(
        &state.db.read,
        rows.iter().filter_map(|e| e.actor_id).collect(),
    )
    .await?;
    let items = rows
        .iter()
        .filter_map(|e| views::audit_entry(e, e.actor_id.and_then(|id| names.get(&id).cloned())))
        .collect();
    Ok(Page { items, next_cursor })
}
