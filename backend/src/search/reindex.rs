//! `mercato reindex`: rebuilds the search index from the database.
//!
//! The embedded index is rebuilt into a fresh directory and then made current, so a running
//! server searches the old one until the switch. The rebuilt index starts from the outbox
//! position read *before* the database was scanned: changes made during the rebuild are
//! applied again afterwards by the worker, so none is missed. A shared Meilisearch index is
//! rebuilt in place under the index's writer lease, which pauses the servers' workers; the
//! lease is renewed while the rebuild runs and every write is fenced by its token.

use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::tantivy_engine::TantivyIndex;
use super::worker::{
    acquire, rebuild_in_place, release, save_checkpoint, Fence, Renewal, RENEW_EVERY,
};
use super::{document, SharedIndex};
use crate::config::Settings;
use crate::db::Db;
use crate::store::outbox;

pub async fn run(db: &Db, settings: &Settings) -> anyhow::Result<()> {
    let started = Instant::now();
    let owner = format!("reindex-{}", uuid::Uuid::new_v4().simple());
    let total = document::public_count(&db.read).await?;
    let progress = ProgressBar::new(total).with_style(
        ProgressStyle::with_template(
            "{spinner} indexing [{bar:40}] {pos}/{len} listings · {per_sec} · eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );

    let (index, fresh): (SharedIndex, Option<Arc<TantivyIndex>>) = match &settings.meilisearch_url {
        Some(_) => (super::open(settings).await?, None),
        None => {
            let fresh = Arc::new(TantivyIndex::create_fresh(
                &settings.data_dir.join("search"),
            )?);
            (fresh.clone() as SharedIndex, Some(fresh))
        }
    };
    let identity = index.identity();
    // Take the index's lease (waiting for a server's worker to let go of a shared index).
    let deadline = Instant::now() + Duration::from_secs(60);
    let acquired = loop {
        let now = settings.clock.now();
        if let Some(acquired) = acquire(db, &identity, &owner, index.shared(), now).await? {
            break acquired;
        }
        if Instant::now() > deadline {
            anyhow::bail!("another process keeps the search index busy");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let fence = Fence {
        db: db.clone(),
        identity: identity.clone(),
        lease: acquired.lease,
        clock: settings.clock.clone(),
    };
    let renewal = Renewal::start(&fence, RENEW_EVERY);

    let start = outbox::latest_id(&db.read).await?;
    let indexed = rebuild_in_place(db, &index, &fence, |n| progress.set_position(n)).await?;
    progress.set_message("committing");
    fence.check().await?;
    index.commit().await?;
    save_checkpoint(&fence, start).await?;
    drop(renewal);
    release(db, &identity, &owner).await?;
    drop(index);
    if let Some(fresh) = fresh {
        let fresh =
            Arc::try_unwrap(fresh).map_err(|_| anyhow::anyhow!("the new index is still in use"))?;
        fresh.promote()?;
    }
    progress.finish_and_clear();
    println!(
        "indexed {indexed} listings in {:.1}s ({})",
        started.elapsed().as_secs_f64(),
        identity
    );
    Ok(())
}
