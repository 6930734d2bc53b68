//! `mercato seed-load`: a lead-routing load test's starting point — many active services
//! partners named in the routing rules, and many open leads routed among them (with their
//! routing decisions), written in bulk.

use anyhow::{bail, Context};
use chrono::Duration;
use mercato_shared::api::leads::{LeadKind, LeadStatus, RouteOutcome, RoutingRules, ServicesRule};
use mercato_shared::api::partners::{Motion, PartnerStatus, Tier};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait, Set, TransactionTrait,
};

use crate::db::Db;
use crate::entities::json::{Certifications, Motions, Regions};
use crate::entities::{lead_routes, leads, partner_lead_stats, partners};

const CHUNK: usize = 1000;

pub async fn seed_load(db: &Db, partner_count: usize, open_leads: usize) -> anyhow::Result<String> {
    if leads::Entity::find().count(&db.write).await? > 0 {
        bail!("the database already has leads; seed-load wants an empty one");
    }
    let now = crate::clock::wall_now();
    let txn = db.write.begin().await?;
    let tiers = [Tier::Registered, Tier::Select, Tier::Premier];
    let slugs: Vec<String> = (0..partner_count)
        .map(|i| format!("load-partner-{i:05}"))
        .collect();
    for (n, chunk) in slugs.chunks(CHUNK).enumerate() {
        let rows = chunk
            .iter()
            .enumerate()
            .map(|(i, slug)| partners::ActiveModel {
                slug: Set(slug.clone()),
                name: Set(format!("Load Partner {}", n * CHUNK + i)),
                website: Set(None),
                logo_url: Set(None),
                description: Set(String::new()),
                motions: Set(Motions(vec![Motion::Services])),
                regions: Set(Regions(Vec::new())),
                tier: Set(tiers[(n * CHUNK + i) % 3]),
                certifications: Set(Certifications(Vec::new())),
                status: Set(PartnerStatus::Active),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
        partners::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    let rules = RoutingRules {
        sla_hours: 24,
        implementation_help: slugs
            .iter()
            .map(|s| ServicesRule {
                partner: s.clone(),
                categories: Vec::new(),
                regions: Vec::new(),
            })
            .collect(),
        other: None,
    };
    crate::leads::rules::save(&txn, &rules, 0, now)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ids: Vec<i64> = partners::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .filter(|p| p.slug.starts_with("load-partner-"))
        .map(|p| p.id)
        .collect();
    if ids.is_empty() && open_leads > 0 {
        bail!("no partners to route to");
    }
    // Explicit ids (the table is empty), so the routing rows can name their leads.
    for start in (0..open_leads).step_by(CHUNK) {
        let end = (start + CHUNK).min(open_leads);
        let lead_rows = (start..end).map(|i| leads::ActiveModel {
            id: Set(i as i64 + 1),
            kind: Set(LeadKind::ImplementationHelp),
            listing_id: Set(None),
            category: Set(None),
            region: Set(None),
            contact_name: Set(format!("Contact {i}")),
            email: Set(format!("contact{i}@load.example")),
            company_name: Set(format!("Company {i}")),
            company_domain: Set(format!("company{i}.example")),
            message: Set("Load test lead".into()),
            consent: Set(true),
            status: Set(LeadStatus::Routed),
            partner_id: Set(Some(ids[i % ids.len()])),
            routed_at: Set(Some(now - Duration::minutes((open_leads - i) as i64))),
            sla_due_at: Set(Some(now + Duration::hours(24))),
            decision: Set("{}".into()),
            accepted_at: Set(None),
            closed_at: Set(None),
            deal_value: Set(None),
            lost_reason: Set(None),
            merged_count: Set(0),
            submitted_by: Set(None),
            ip_hash: Set("seed-load".into()),
            created_at: Set(now - Duration::days(2)),
            updated_at: Set(now),
        });
        leads::Entity::insert_many(lead_rows)
            .exec_without_returning(&txn)
            .await?;
        let route_rows = (start..end).map(|i| lead_routes::ActiveModel {
            lead_id: Set(i as i64 + 1),
            partner_id: Set(ids[i % ids.len()]),
            reason: Set("{}".into()),
            outcome: Set(RouteOutcome::Open),
            routed_at: Set(now - Duration::minutes((open_leads - i) as i64)),
            closed_at: Set(None),
            ..Default::default()
        });
        lead_routes::Entity::insert_many(route_rows)
            .exec_without_returning(&txn)
            .await?;
    }
    // The routing statistics those leads make.
    let n = ids.len();
    let stats = ids.iter().enumerate().map(|(k, id)| {
        let open = (open_leads + n - 1 - k) / n;
        let last = (open > 0).then(|| {
            let i = k + (open - 1) * n;
            now - Duration::minutes((open_leads - i) as i64)
        });
        partner_lead_stats::ActiveModel {
            partner_id: Set(*id),
            open_leads: Set(open as i64),
            accepted: Set(0),
            breached: Set(0),
            last_routed_at: Set(last),
        }
    });
    for chunk in stats.collect::<Vec<_>>().chunks(CHUNK) {
        partner_lead_stats::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('leads', 'id'), (SELECT MAX(id) FROM leads))",
        )
        .await
        .context("moving the leads id sequence past the seeded rows")?;
    }
    txn.commit().await?;
    if db.write.get_database_backend() == DatabaseBackend::Postgres {
        // Fresh statistics for the planner, as after any bulk load (autovacuum would get to
        // it later, in the middle of the measurement).
        db.write
            .execute_unprepared("ANALYZE partners, leads, lead_routes, partner_lead_stats")
            .await?;
    }
    Ok(format!(
        "seeded {} services partners (all in the routing rules) and {open_leads} open leads",
        ids.len()
    ))
}
