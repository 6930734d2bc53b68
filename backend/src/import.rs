//! Bulk import of listings from JSON Lines (optionally gzip-compressed), the format of
//! `listings-npm.jsonl.gz`: `{slug, name, tagline, description, partner, monthly_installs}`.
//!
//! A reader thread decompresses and parses lines into batches; the async side upserts each
//! batch in one transaction (partners first, then listings keyed by slug), so a re-import
//! updates rows instead of duplicating them. Bad lines are reported with their line number and
//! skipped; they never abort the import.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use mercato_shared::api::listings::{limits, ListingStatus, PricingModel};
use mercato_shared::api::partners::{PartnerStatus, Tier};
use mercato_shared::validate::{self, Slug};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};
use serde::Deserialize;

use crate::db::Db;
use crate::entities::json::{Certifications, Motions, Regions, Screenshots, StringList};
use crate::entities::{listings, partners};

#[derive(Debug, Deserialize)]
struct Record {
    slug: String,
    name: String,
    tagline: String,
    #[serde(default)]
    description: String,
    partner: String,
    #[serde(default)]
    monthly_installs: i64,
}

/// A record that passed validation.
#[derive(Debug)]
struct ValidRecord {
    slug: String,
    name: String,
    tagline: String,
    description: String,
    partner: String,
    monthly_installs: i64,
}

fn validate(r: Record) -> Result<ValidRecord, String> {
    let field = |name: &str, e: validate::Invalid| format!("{name}: {}", e.message);
    let slug = Slug::parse(&r.slug).map_err(|e| field("slug", e))?;
    let partner = Slug::parse(&r.partner)
        .ok()
        .or_else(|| Slug::slugify(&r.partner))
        .ok_or_else(|| "partner: must contain letters or digits".to_string())?;
    let name = validate::line(&r.name, 1, limits::NAME_MAX).map_err(|e| field("name", e))?;
    let tagline = validate::line(&r.tagline, 1, limits::TAGLINE_MAX)
        .or_else(|_| validate::line(&r.name, 1, limits::TAGLINE_MAX))
        .map_err(|e| field("tagline", e))?;
    let description = validate::text(&r.description, 0, limits::DESCRIPTION_MAX)
        .map_err(|e| field("description", e))?;
    if r.monthly_installs < 0 {
        return Err("monthly_installs: must not be negative".into());
    }
    Ok(ValidRecord {
        slug: slug.into_inner(),
        name,
        tagline,
        description,
        partner: partner.into_inner(),
        monthly_installs: r.monthly_installs,
    })
}

#[derive(Debug, Default)]
pub struct ImportReport {
    pub lines: u64,
    pub upserted: u64,
    pub listings_created: u64,
    pub partners_created: u64,
    pub rejected: u64,
    /// The first rejected lines, with the reason.
    pub rejections: Vec<(u64, String)>,
    pub elapsed: Duration,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "imported {} listings ({} new, {} updated) and created {} partners from {} lines in {:.1}s",
            self.upserted,
            self.listings_created,
            self.upserted - self.listings_created.min(self.upserted),
            self.partners_created,
            self.lines,
            self.elapsed.as_secs_f64()
        )?;
        if self.rejected > 0 {
            writeln!(f, "rejected {} line(s):", self.rejected)?;
            for (line, reason) in &self.rejections {
                writeln!(f, "  line {line}: {reason}")?;
            }
        }
        Ok(())
    }
}

/// Counts the bytes read from the (compressed) file, for the progress bar.
struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

enum Parsed {
    Batch(Vec<ValidRecord>),
    Rejected(u64, String),
}

pub async fn import_file(db: &Db, path: &Path, batch_size: usize) -> anyhow::Result<ImportReport> {
    let started = Instant::now();
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let total = file.metadata()?.len();
    let progress = ProgressBar::new(total).with_style(
        ProgressStyle::with_template(
            "{spinner} importing [{bar:40}] {bytes}/{total_bytes} · {msg} · eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let bytes_read = Arc::new(AtomicU64::new(0));
    let counting = CountingReader {
        inner: file,
        count: bytes_read.clone(),
    };
    let mut buffered = BufReader::with_capacity(1 << 20, counting);
    let gzipped = buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn BufRead + Send> = if gzipped {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::bufread::MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    };

    // Parsing runs on its own thread, a few batches ahead of the database writes.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Parsed>(4);
    let parser = std::thread::spawn(move || -> anyhow::Result<u64> {
        let mut batch = Vec::with_capacity(batch_size);
        let mut line_no = 0u64;
        for line in reader.lines() {
            let line = line.context("reading the import file")?;
            line_no += 1;
            if line.trim().is_empty() {
                continue;
            }
            let parsed = serde_json::from_str::<Record>(&line)
                .map_err(|e| format!("not a listing record: {e}"))
                .and_then(validate);
            match parsed {
                Ok(r) => {
                    batch.push(r);
                    if batch.len() == batch_size {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(batch_size));
                        if tx.blocking_send(Parsed::Batch(full)).is_err() {
                            return Ok(line_no);
                        }
                    }
                }
                Err(reason) => {
                    if tx.blocking_send(Parsed::Rejected(line_no, reason)).is_err() {
                        return Ok(line_no);
                    }
                }
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(Parsed::Batch(batch));
        }
        Ok(line_no)
    });

    let listings_before = listings::Entity::find().count(&db.write).await?;
    let mut partner_ids: HashMap<String, i64> = partners::Entity::find()
        .select_only()
        .column(partners::Column::Slug)
        .column(partners::Column::Id)
        .into_tuple::<(String, i64)>()
        .all(&db.write)
        .await?
        .into_iter()
        .collect();
    let mut report = ImportReport::default();
    while let Some(item) = rx.recv().await {
        match item {
            Parsed::Rejected(line, reason) => {
                report.rejected += 1;
                if report.rejections.len() < 20 {
                    report.rejections.push((line, reason));
                }
            }
            Parsed::Batch(batch) => {
                let (upserted, new_partners) = write_batch(db, batch, &mut partner_ids).await?;
                report.upserted += upserted;
                report.partners_created += new_partners;
            }
        }
        progress.set_position(bytes_read.load(Ordering::Relaxed));
        progress.set_message(format!("{} listings", report.upserted));
    }
    report.lines = parser
        .join()
        .map_err(|_| anyhow::anyhow!("the parser thread panicked"))??;
    // One outbox entry for the whole run: every instance drops its cached public responses.
    crate::store::outbox::record(
        &db.write,
        &crate::store::outbox::PublicChange::Everything,
        crate::clock::wall_now(),
    )
    .await?;
    let listings_after = listings::Entity::find().count(&db.write).await?;
    report.listings_created = listings_after.saturating_sub(listings_before);
    report.elapsed = started.elapsed();
    progress.finish_and_clear();
    Ok(report)
}

/// Upserts one batch in one transaction; returns (listings upserted, partners created).
async fn write_batch(
    db: &Db,
    mut batch: Vec<ValidRecord>,
    partner_ids: &mut HashMap<String, i64>,
) -> anyhow::Result<(u64, u64)> {
    // One row per slug per statement (PostgreSQL refuses to update a row twice in one upsert);
    // the last occurrence wins, as it would line by line.
    let mut seen = std::collections::HashSet::new();
    batch.reverse();
    batch.retain(|r| seen.insert(r.slug.clone()));
    batch.reverse();

    let now = crate::clock::wall_now();
    let txn = db.write.begin().await?;
    let mut missing: Vec<String> = batch
        .iter()
        .filter(|r| !partner_ids.contains_key(&r.partner))
        .map(|r| r.partner.clone())
        .collect();
    missing.sort();
    missing.dedup();
    let mut partners_created = 0;
    if !missing.is_empty() {
        let rows = missing.iter().map(|slug| partners::ActiveModel {
            slug: Set(slug.clone()),
            name: Set(slug.clone()),
            website: Set(None),
            logo_url: Set(None),
            description: Set(String::new()),
            motions: Set(Motions(vec![
                mercato_shared::api::partners::Motion::Technology,
            ])),
            regions: Set(Regions::default()),
            tier: Set(Tier::Registered),
            certifications: Set(Certifications::default()),
            status: Set(PartnerStatus::Active),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        partners_created = partners::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(partners::Column::Slug)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        let found: Vec<(String, i64)> = partners::Entity::find()
            .select_only()
            .column(partners::Column::Slug)
            .column(partners::Column::Id)
            .filter(partners::Column::Slug.is_in(missing))
            .into_tuple()
            .all(&txn)
            .await?;
        partner_ids.extend(found);
    }

    let rows: Vec<listings::ActiveModel> = batch
        .into_iter()
        .filter_map(|r| {
            let partner_id = *partner_ids.get(&r.partner)?;
            Some(listings::ActiveModel {
                slug: Set(r.slug),
                partner_id: Set(partner_id),
                status: Set(ListingStatus::Published),
                name: Set(r.name),
                tagline: Set(r.tagline),
                description: Set(r.description),
                use_cases: Set(StringList::default()),
                screenshots: Set(Screenshots::default()),
                video_url: Set(None),
                install_url: Set(None),
                pricing_model: Set(PricingModel::Free),
                pricing_details: Set(None),
                support_url: Set(None),
                documentation_url: Set(None),
                privacy_policy_url: Set(None),
                badges: Set(StringList::default()),
                monthly_installs: Set(r.monthly_installs),
                review_note: Set(None),
                submitted_at: Set(None),
                published_at: Set(Some(now)),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
        })
        .collect();
    let upserted = if rows.is_empty() {
        0
    } else {
        // The status is left alone on update: a listing an admin delisted stays delisted.
        listings::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(listings::Column::Slug)
                    .update_columns([
                        listings::Column::PartnerId,
                        listings::Column::Name,
                        listings::Column::Tagline,
                        listings::Column::Description,
                        listings::Column::MonthlyInstalls,
                        listings::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?
    };
    txn.commit().await?;
    Ok((upserted, partners_created))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(slug: &str, partner: &str) -> Record {
        Record {
            slug: slug.into(),
            name: "name".into(),
            tagline: "tagline".into(),
            description: "".into(),
            partner: partner.into(),
            monthly_installs: 1,
        }
    }

    #[test]
    fn validation_normalises_and_rejects() {
        assert!(validate(record("ok-slug", "acme")).is_ok());
        assert_eq!(
            validate(record("ok", "Acme Inc")).unwrap().partner,
            "acme-inc"
        );
        assert!(validate(record("Bad Slug", "acme"))
            .unwrap_err()
            .starts_with("slug"));
        let mut r = record("x", "acme");
        r.tagline = "".into();
        assert_eq!(
            validate(r).unwrap().tagline,
            "name",
            "an empty tagline falls back to the name"
        );
        let mut r = record("x", "acme");
        r.monthly_installs = -1;
        assert!(validate(r).is_err());
    }
}
