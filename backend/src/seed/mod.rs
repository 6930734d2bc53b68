//! The demo marketplace that `cargo xtask run` seeds into an empty database, and the
//! `create-admin` command. The demo data (`demo.json`) goes through the same validation as
//! the API, so it can never hold something the API would refuse.

use std::collections::HashMap;

use anyhow::{bail, Context};
use mercato_shared::api::auth::UserRole;
use mercato_shared::api::listings::{ListingContent, ListingStatus, Pricing, Screenshot};
use mercato_shared::api::partners::{
    Certification, Motion, PartnerApplication, PartnerRole, PartnerStatus, Region, Tier,
};
use mercato_shared::validate::{self, Email, Slug};
use sea_orm::{
    ActiveModelTrait, EntityTrait, IntoActiveModel, PaginatorTrait, Set, TransactionTrait,
};
use serde::Deserialize;

use crate::auth::password;
use crate::db::Db;
use crate::domain::listing::ValidListingContent;
use crate::domain::partner::{parse_application, parse_certifications};
use crate::entities::json::{Certifications, Motions, Regions, StringList};
use crate::entities::{categories, listings, partner_members, partners, users};
use crate::store;

pub mod activity;
pub mod load;
pub mod webhooks;

const DEMO: &str = include_str!("demo.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Demo {
    categories: Vec<DemoCategory>,
    partners: Vec<DemoPartner>,
    listings: Vec<DemoListing>,
    accounts: Vec<DemoAccount>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoCategory {
    slug: String,
    name: String,
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoPartner {
    slug: String,
    name: String,
    website: String,
    description: String,
    motions: Vec<Motion>,
    regions: Vec<Region>,
    tier: Tier,
    certifications: Vec<Certification>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoListing {
    slug: String,
    partner: String,
    name: String,
    tagline: String,
    description: String,
    categories: Vec<String>,
    use_cases: Vec<String>,
    pricing: Pricing,
    install_url: Option<String>,
    support_url: Option<String>,
    documentation_url: Option<String>,
    privacy_policy_url: Option<String>,
    video_url: Option<String>,
    #[serde(default)]
    screenshots: Vec<Screenshot>,
    monthly_installs: i64,
    badges: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoAccount {
    email: String,
    password: String,
    display_name: String,
    role: UserRole,
    partner: Option<String>,
    partner_role: Option<PartnerRole>,
}

/// Creates an admin account, or makes the existing account with this email an admin.
/// Returns whether an account was created.
pub async fn create_admin(db: &Db, email: &str, pass: &str, name: &str) -> anyhow::Result<bool> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("email: {}", e.message))?;
    validate::password(pass).map_err(|e| anyhow::anyhow!("password: {}", e.message))?;
    let name = validate::line(name, 1, 100).map_err(|e| anyhow::anyhow!("name: {}", e.message))?;
    let now = crate::clock::wall_now();
    if let Some(existing) = store::users::by_email(&db.write, email.as_str()).await? {
        let mut row = existing.into_active_model();
        row.role = Set(UserRole::Admin);
        row.password_hash = Set(Some(password::hash(pass.to_string()).await?));
        row.updated_at = Set(now);
        row.update(&db.write).await?;
        return Ok(false);
    }
    users::ActiveModel {
        email: Set(email.into_inner()),
        password_hash: Set(Some(password::hash(pass.to_string()).await?)),
        display_name: Set(name),
        role: Set(UserRole::Admin),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db.write)
    .await?;
    Ok(true)
}

/// Seeds the demo marketplace if the database has no accounts and no listings yet; returns
/// what to tell the person who started it, or `None` when it did nothing.
pub async fn seed_demo(db: &Db) -> anyhow::Result<Option<String>> {
    if users::Entity::find().count(&db.write).await? > 0
        || listings::Entity::find().count(&db.write).await? > 0
    {
        return Ok(None);
    }
    let demo: Demo = serde_json::from_str(DEMO).context("parsing the demo data")?;
    let now = crate::clock::wall_now();

    // Hash passwords before the transaction: hashing is slow and SQLite has one writer.
    let mut hashes = Vec::with_capacity(demo.accounts.len());
    for a in &demo.accounts {
        hashes.push(password::hash(a.password.clone()).await?);
    }

    let txn = db.write.begin().await?;
    let mut category_ids = HashMap::new();
    for (position, c) in demo.categories.iter().enumerate() {
        let slug = Slug::parse(&c.slug)
            .map_err(|e| anyhow::anyhow!("category {}: {}", c.slug, e.message))?;
        let row = categories::ActiveModel {
            slug: Set(slug.into_inner()),
            name: Set(c.name.clone()),
            description: Set(c.description.clone()),
            position: Set(position as i32),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        category_ids.insert(row.slug.clone(), row.id);
    }

    let mut partner_ids = HashMap::new();
    let mut partner_rows = Vec::with_capacity(demo.partners.len());
    for p in demo.partners {
        let app = parse_application(PartnerApplication {
            slug: p.slug.clone(),
            name: p.name,
            website: p.website,
            logo_url: None,
            description: p.description,
            motions: p.motions,
            regions: p.regions,
        })
        .map_err(|e| anyhow::anyhow!("partner {}: {e:?}", p.slug))?;
        let certs = parse_certifications(p.certifications)
            .map_err(|e| anyhow::anyhow!("partner {}: {e:?}", p.slug))?;
        let row = partners::ActiveModel {
            slug: Set(app.slug.into_inner()),
            name: Set(app.name),
            website: Set(Some(app.website.into_inner())),
            logo_url: Set(None),
            description: Set(app.description),
            motions: Set(Motions(app.motions)),
            regions: Set(Regions(app.regions)),
            tier: Set(p.tier),
            certifications: Set(Certifications(certs)),
            status: Set(PartnerStatus::Active),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        partner_ids.insert(row.slug.clone(), row.id);
        partner_rows.push(row);
    }

    let mut listing_rows = Vec::with_capacity(demo.listings.len());
    for l in demo.listings {
        let Some(&partner_id) = partner_ids.get(&l.partner) else {
            bail!("listing {}: unknown partner {}", l.slug, l.partner);
        };
        let slug = Slug::parse(&l.slug)
            .map_err(|e| anyhow::anyhow!("listing {}: {}", l.slug, e.message))?;
        let content = ValidListingContent::parse(ListingContent {
            name: l.name,
            tagline: l.tagline,
            description: l.description,
            categories: l.categories,
            use_cases: l.use_cases,
            screenshots: l.screenshots,
            video_url: l.video_url,
            install_url: l.install_url,
            pricing: l.pricing,
            support_url: l.support_url,
            documentation_url: l.documentation_url,
            privacy_policy_url: l.privacy_policy_url,
        })
        .map_err(|e| anyhow::anyhow!("listing {}: {e:?}", l.slug))?;
        let mut row = listings::ActiveModel {
            slug: Set(slug.into_inner()),
            partner_id: Set(partner_id),
            status: Set(ListingStatus::Published),
            badges: Set(StringList(l.badges)),
            monthly_installs: Set(l.monthly_installs.max(0)),
            review_note: Set(None),
            submitted_at: Set(Some(now)),
            published_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        content.apply_to(&mut row);
        let listing = row.insert(&txn).await?;
        let mut ids = Vec::new();
        for c in &content.content().categories {
            match category_ids.get(c) {
                Some(id) => ids.push(*id),
                None => bail!("listing {}: unknown category {c}", listing.slug),
            }
        }
        store::listings::set_categories(&txn, listing.id, &ids).await?;
        listing_rows.push((listing, content.content().categories.clone()));
    }

    let mut sign_in = Vec::new();
    let mut members = HashMap::new();
    let mut admin_id = None;
    for (a, hash) in demo.accounts.iter().zip(hashes) {
        let email = Email::parse(&a.email)
            .map_err(|e| anyhow::anyhow!("account {}: {}", a.email, e.message))?;
        let user = users::ActiveModel {
            email: Set(email.into_inner()),
            password_hash: Set(Some(hash)),
            display_name: Set(a.display_name.clone()),
            role: Set(a.role),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if let Some(p) = &a.partner {
            let Some(&partner_id) = partner_ids.get(p) else {
                bail!("account {}: unknown partner {p}", a.email);
            };
            partner_members::ActiveModel {
                partner_id: Set(partner_id),
                user_id: Set(user.id),
                role: Set(a.partner_role.unwrap_or(PartnerRole::Member)),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
            members.entry(partner_id).or_insert(user.id);
        }
        if a.role == UserRole::Admin {
            admin_id.get_or_insert(user.id);
        }
        let what = match (&a.partner, a.role) {
            (Some(p), _) => format!("partner admin of {p}"),
            (None, UserRole::Admin) => "marketplace admin".into(),
            (None, UserRole::Analyst) => "analyst".into(),
            (None, UserRole::Customer) => "customer".into(),
        };
        sign_in.push(format!("  {:<34} {:<24} ({what})", a.email, a.password));
    }
    let Some(admin_id) = admin_id else {
        bail!("the demo data has no marketplace admin");
    };
    let activity = activity::seed(
        &txn,
        &activity::Catalog {
            partners: &partner_rows,
            listings: &listing_rows,
            members,
            admin_id,
        },
        now,
    )
    .await
    .context("seeding the demo activity")?;
    txn.commit().await?;
    Ok(Some(format!(
        "seeded a demo marketplace: {} categories, {} partners, {} listings\n\
         with activity: {activity}\nsign in with:\n{}",
        category_ids.len(),
        partner_ids.len(),
        listing_rows.len(),
        sign_in.join("\n")
    )))
}
