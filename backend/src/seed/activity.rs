//! The demo marketplace's activity, relative to the moment it is seeded: customer workspaces
//! with installs (and uninstalls, and a few churned customers), usage, listing views and
//! install clicks, leads in every state of the pipeline, deal registrations and integration
//! requests with votes.
//!
//! Everything is written through the same functions the API uses (`installs::apply`,
//! `leads::submit` and the pipeline, `rollups::write`, the deal and request writers), in the
//! seed's transaction, so the analytics, the leads inbox and the routing statistics agree with
//! each other. A fixed seed makes the data the same on every run, apart from the dates, which
//! follow the clock.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Datelike, Duration, Timelike, Utc, Weekday};
use mercato_shared::api::auth::UserRole;
use mercato_shared::api::deals::DealStatus;
use mercato_shared::api::leads::{LeadKind, RouteOutcome, RoutingRules, ServicesRule};
use mercato_shared::api::partners::{PartnerRole, Region};
use mercato_shared::api::workspaces::{InstallSource, WorkspaceStatus};
use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel, Set};

use crate::analytics::days;
use crate::entities::{listings, partner_members, partners, users, workspaces};
use crate::leads::{assignment, pipeline, rules};
use crate::store::installs::{self, Change, DailyCounts, Utm};
use crate::store::integration_requests::{self as requests, Voter};
use crate::store::{self, deals};
use crate::usage::rollups::{self, Daily};

/// The demo's one random seed.
const SEED: u64 = 0x4d45_5243_4154_4f21;
/// Customer workspaces; one in `NEW_EVERY` is a new customer (created in the last ~10 weeks).
const WORKSPACES: usize = 48;
const NEW_EVERY: usize = 8;
/// Integrations installed before the churn report's period (the last 90 days) starts, in
/// turn for the established workspaces: every bucket of the report (0, 1, 2, 3+) gets some.
const EARLY_INSTALLS: [usize; 12] = [0, 1, 2, 3, 1, 2, 4, 0, 2, 1, 3, 5];
/// How many workspaces of each bucket churn during the period: fewer integrations, more churn.
const CHURNED_PER_BUCKET: [usize; 4] = [3, 3, 2, 1];
/// Days of usage (the analytics' default windows are 30 days, MAU looks 29 days further).
const USAGE_DAYS: i32 = 45;
/// Days of listing views and install clicks.
const FUNNEL_DAYS: i32 = 90;
/// The partner whose account the demo signs in with gets the richest data.
const FEATURED_PARTNER: &str = "northwind-labs";

const COMPANY_WORDS: [&str; 24] = [
    "Acorn",
    "Bluebird",
    "Copperline",
    "Driftwood",
    "Emberly",
    "Foxglove",
    "Granite",
    "Hollow Oak",
    "Ironwood",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Maplewood",
    "Northstar",
    "Orchard",
    "Pinecrest",
    "Quarry",
    "Riverbend",
    "Saltmarsh",
    "Thistle",
    "Upland",
    "Vantage",
    "Willow",
    "Zephyr",
];
const COMPANY_KINDS: [&str; 8] = [
    "Logistics",
    "Health",
    "Retail",
    "Studios",
    "Finance",
    "Foods",
    "Robotics",
    "Travel",
];
const FIRST_NAMES: [&str; 16] = [
    "Alex", "Blake", "Charlie", "Dana", "Eli", "Frankie", "Gray", "Harper", "Indy", "Jamie", "Kai",
    "Logan", "Morgan", "Noel", "Parker", "Quinn",
];
const LAST_NAMES: [&str; 12] = [
    "Adams", "Brooks", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ivanova", "Jensen",
    "Kowalski", "Lopez",
];
const PLANS: [(&str, f64); 4] = [
    ("free", 0.3),
    ("starter", 0.3),
    ("growth", 0.28),
    ("enterprise", 0.12),
];
/// Where visits, clicks and installs come from.
const SOURCES: [(InstallSource, f64); 7] = [
    (InstallSource::Search, 0.32),
    (InstallSource::CategoryPage, 0.18),
    (InstallSource::ListingPage, 0.16),
    (InstallSource::Direct, 0.13),
    (InstallSource::PartnerReferral, 0.1),
    (InstallSource::InProduct, 0.08),
    (InstallSource::Other, 0.03),
];
/// (utm_source, utm_medium, utm_campaign) of campaigns that brought installs.
const CAMPAIGNS: [(&str, &str, &str); 5] = [
    ("newsletter", "email", "monthly-integrations"),
    ("linkedin", "social", "finance-automation"),
    ("partner-webinar", "referral", "q3-connect"),
    ("google", "cpc", "integrations-brand"),
    ("g2", "referral", "category-leaders"),
];

/// SplitMix64: the same numbers from the same seed on every machine and with every version
/// of the `rand` crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// In [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// In [lo, hi].
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1).max(1) as u64) as i64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: impl Iterator<Item = f64> + Clone) -> usize {
        let total: f64 = weights.clone().sum();
        let mut x = self.unit() * total;
        let mut last = 0;
        for (i, w) in weights.enumerate() {
            if x < w {
                return i;
            }
            x -= w;
            last = i;
        }
        last
    }

    /// A time between `from` and `to`.
    fn time(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
        let span = (to - from).num_seconds().max(0);
        from + Duration::seconds(self.between(0, span))
    }
}

/// A number in [0, 1) that stays with a name (a listing's click rate, its usage intensity).
fn trait_of(name: &str, salt: u64) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
    for b in name.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    Rng(h).unit()
}

/// What the activity is built on: the demo's partners and listings, and who acts.
pub struct Catalog<'a> {
    pub partners: &'a [partners::Model],
    /// Published listings with their category slugs.
    pub listings: &'a [(listings::Model, Vec<String>)],
    /// Partner id → a member who works its leads and deals.
    pub members: HashMap<i64, i64>,
    /// The marketplace admin who saved the routing rules and shipped the request.
    pub admin_id: i64,
}

/// What was seeded, for the summary line.
#[derive(Debug, Default)]
pub struct Summary {
    pub workspaces: usize,
    pub churned: usize,
    pub installs: usize,
    pub uninstalls: usize,
    pub usage_rows: usize,
    pub usage_events: i64,
    pub views: i64,
    pub clicks: i64,
    pub leads: usize,
    pub featured_leads: usize,
    pub deals: usize,
    pub requests: usize,
    pub votes: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} customer workspaces ({} churned), {} installs ({} uninstalled), {} usage events on {} workspace-days, \
             {} listing views and {} install clicks, {} leads ({} for {FEATURED_PARTNER}), {} deal registrations, \
             {} integration requests with {} votes",
            self.workspaces,
            self.churned,
            self.installs,
            self.uninstalls,
            self.usage_events,
            self.usage_rows,
            self.views,
            self.clicks,
            self.leads,
            self.featured_leads,
            self.deals,
            self.requests,
            self.votes,
        )
    }
}

/// A company of the demo (customers are 0..48, prospects after them): its name and domain.
fn company(i: usize) -> (String, String) {
    let name = format!(
        "{} {}",
        COMPANY_WORDS[i % COMPANY_WORDS.len()],
        COMPANY_KINDS[(i + 3 * (i / COMPANY_WORDS.len())) % COMPANY_KINDS.len()]
    );
    let domain = format!("{}.example", slugify(&name));
    (name, domain)
}

fn slugify(s: &str) -> String {
    s.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// A person of the demo: name and email at `domain`.
fn person(i: usize, domain: &str) -> (String, String) {
    let first = FIRST_NAMES[i % FIRST_NAMES.len()];
    let last = LAST_NAMES[(i * 7 + i / FIRST_NAMES.len()) % LAST_NAMES.len()];
    (
        format!("{first} {last}"),
        format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase()),
    )
}

/// An account that cannot sign in (no password): customers and partner staff of the demo.
async fn account(
    db: &impl ConnectionTrait,
    name: String,
    email: String,
    at: DateTime<Utc>,
) -> anyhow::Result<users::Model> {
    Ok(users::ActiveModel {
        email: Set(email),
        password_hash: Set(None),
        display_name: Set(name),
        role: Set(UserRole::Customer),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Seeds the activity in the caller's transaction.
pub async fn seed(
    db: &impl ConnectionTrait,
    catalog: &Catalog<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<Summary> {
    let mut seeder = Seeder {
        rng: Rng(SEED),
        catalog,
        now,
        members: catalog.members.clone(),
        summary: Summary::default(),
    };
    seeder.partner_staff(db).await?;
    let base = seeder.workspaces_and_installs(db).await?;
    seeder.usage(db, &base).await?;
    seeder.funnel(db, &base).await?;
    routing_rules(db, catalog.admin_id, now).await?;
    let shipped = seeder.integration_requests(db, &base).await?;
    seeder.leads(db, shipped).await?;
    seeder.deal_registrations(db).await?;
    Ok(seeder.summary)
}

/// The seeding under way: its random numbers, what it builds on, and what it made so far.
struct Seeder<'c> {
    rng: Rng,
    catalog: &'c Catalog<'c>,
    now: DateTime<Utc>,
    /// Partner id → a member who works its leads and deals.
    members: HashMap<i64, i64>,
    summary: Summary,
}

impl Catalog<'_> {
    fn is_featured(&self, listing: &listings::Model) -> bool {
        self.partners
            .iter()
            .any(|p| p.id == listing.partner_id && p.slug == FEATURED_PARTNER)
    }
}

/// One install's life: when it began, and when it ended (uninstalled, or the workspace
/// churned).
struct Installed {
    workspace: i64,
    /// Index into the catalog's listings.
    listing: usize,
    source: InstallSource,
    at: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
}

/// What `workspaces_and_installs` made, for the usage, funnel and votes that follow.
struct InstallBase {
    installs: Vec<Installed>,
    /// The workspaces' owners: account id and email.
    owners: Vec<(i64, String)>,
}

/// Routing rules naming the demo's services partners, so that requests for implementation
/// help are routed too.
async fn routing_rules(
    db: &impl ConnectionTrait,
    admin: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let rule = |partner: &str, categories: &[&str], regions: &[Region]| ServicesRule {
        partner: partner.into(),
        categories: categories.iter().map(|c| c.to_string()).collect(),
        regions: regions.to_vec(),
    };
    let routing = RoutingRules {
        sla_hours: 24,
        implementation_help: vec![
            rule(
                "blue-cedar-consulting",
                &[
                    "crm",
                    "marketing-automation",
                    "finance-accounting",
                    "e-commerce",
                    "security-identity",
                ],
                &[Region::NorthAmerica, Region::Europe],
            ),
            rule(
                "latitude-integrations",
                &[
                    "customer-support",
                    "communication",
                    "finance-accounting",
                    "e-commerce",
                ],
                &[Region::LatinAmerica, Region::NorthAmerica],
            ),
            rule(
                "harbor-and-pine",
                &["analytics-bi", "marketing-automation"],
                &[Region::AsiaPacific, Region::MiddleEastAfrica],
            ),
        ],
        other: Some("blue-cedar-consulting".into()),
    };
    rules::save(db, &routing, admin, now)
        .await
        .map_err(|e| anyhow::anyhow!("demo routing rules: {e}"))
}

/// How a seeded lead moves after it is routed.
#[derive(Clone, Copy)]
enum Path {
    /// Still waiting for the partner; the SLA runs.
    Routed,
    Accepted,
    Qualified,
    /// Won, with the deal's value.
    Won(i64),
    /// Lost, with the reason; `true` when it was qualified first.
    Lost(&'static str, bool),
    /// Not accepted within the SLA: re-routed (an introduction has nowhere else to go).
    Breached,
}

/// (kind, listing or category and region, hours ago it was submitted, path, message).
type LeadPlan = (
    LeadKind,
    &'static str,
    Option<Region>,
    f64,
    Path,
    &'static str,
);

const LEADS: [LeadPlan; 32] = [
    // Northwind Labs: every state of the pipeline.
    (LeadKind::Intro, "northwind-invoice-sync", None, 1.5, Path::Routed, "We chase 400 invoices a month by email. Can the Slack reminders go to account owners instead of finance?"),
    (LeadKind::Intro, "northwind-expense-approvals-teams", None, 7.0, Path::Routed, "Looking to move expense approvals out of email into Teams for 1,200 employees."),
    (LeadKind::Intro, "northwind-quickbooks-salesforce-sync", None, 19.5, Path::Routed, "Our sales team needs invoice status on the Salesforce opportunity. Is a demo possible this week?"),
    (LeadKind::Intro, "northwind-invoice-sync", None, 23.2, Path::Routed, "Evaluating invoice-to-Slack tools before our renewal; please send pricing for 40 seats."),
    (LeadKind::Intro, "northwind-invoice-sync", None, 30.0, Path::Accepted, "Could we pilot this with our EMEA finance team first?"),
    (LeadKind::Intro, "northwind-revenue-export-xero", None, 80.0, Path::Accepted, "We need monthly revenue exports into Xero for three entities."),
    (LeadKind::Intro, "northwind-quickbooks-salesforce-sync", None, 150.0, Path::Accepted, "Two-way sync of customers between QuickBooks and Salesforce, about 9,000 records."),
    (LeadKind::Intro, "northwind-expense-approvals-teams", None, 260.0, Path::Qualified, "Approvals over 5,000 need a second approver. Is that supported?"),
    (LeadKind::Intro, "northwind-invoice-sync", None, 420.0, Path::Qualified, "Procurement asked for your SOC 2 report before we start the trial."),
    (LeadKind::Intro, "northwind-revenue-export-xero", None, 610.0, Path::Qualified, "Finance wants daily revenue in Xero instead of a month-end CSV."),
    (LeadKind::Intro, "northwind-invoice-sync", None, 900.0, Path::Won(18_000), "Replacing our homegrown invoice bot; 25 finance users."),
    (LeadKind::Intro, "northwind-quickbooks-salesforce-sync", None, 1300.0, Path::Won(42_500), "Rolling out to sales and finance in North America and the UK."),
    (LeadKind::Intro, "northwind-expense-approvals-teams", None, 1750.0, Path::Won(9_600), "Small team, but we want approvals in Teams before the audit."),
    (LeadKind::Intro, "northwind-invoice-sync", None, 700.0, Path::Lost("Chose to build it in-house with their own engineers", true), "Need collections reminders in Slack for 3 subsidiaries."),
    (LeadKind::Intro, "northwind-revenue-export-xero", None, 1100.0, Path::Lost("No budget this quarter; revisit in January", false), "Interested in the Xero export for our Australian entity."),
    (LeadKind::Intro, "northwind-quickbooks-salesforce-sync", None, 96.0, Path::Breached, "Need a quote for QuickBooks Desktop, not Online."),
    // Other partners' introductions.
    (LeadKind::Intro, "tidewater-lead-router", None, 5.0, Path::Routed, "Round-robin for 30 SDRs across two regions."),
    (LeadKind::Intro, "tidewater-hubspot-contact-sync", None, 200.0, Path::Accepted, "HubSpot to Salesforce contact sync, 60k contacts."),
    (LeadKind::Intro, "tidewater-deal-desk-alerts", None, 1000.0, Path::Won(27_000), "Deal desk approvals in Slack for the whole sales org."),
    (LeadKind::Intro, "keystone-okta-scim", None, 340.0, Path::Qualified, "SCIM provisioning for 3,000 users from Okta."),
    (LeadKind::Intro, "keystone-saml-sso", None, 800.0, Path::Lost("Their IdP does not support SAML yet", false), "SSO for contractors with a separate IdP."),
    (LeadKind::Intro, "parcelpoint-shopify-order-sync", None, 12.0, Path::Routed, "Three Shopify stores into one NetSuite; 5,000 orders a day at peak."),
    (LeadKind::Intro, "parcelpoint-abandoned-cart", None, 470.0, Path::Accepted, "Abandoned-cart texts for our EU store, GDPR-compliant."),
    (LeadKind::Intro, "ticketfold-zendesk-jira-escalations", None, 1500.0, Path::Won(14_400), "Escalations from Zendesk to Jira for 80 agents."),
    (LeadKind::Intro, "taskmeadow-jira-sync", None, 3.0, Path::Routed, "Jira and Asana side by side for a merger; 400 projects."),
    // Implementation help, routed by the rules to the services partners.
    (LeadKind::ImplementationHelp, "crm", Some(Region::NorthAmerica), 10.0, Path::Routed, "Need help rolling out Salesforce with HubSpot forms."),
    (LeadKind::ImplementationHelp, "customer-support", Some(Region::LatinAmerica), 160.0, Path::Accepted, "WhatsApp support for our Brazilian customers, in Portuguese."),
    (LeadKind::ImplementationHelp, "analytics-bi", Some(Region::AsiaPacific), 500.0, Path::Qualified, "A BI quickstart for our Singapore team."),
    (LeadKind::ImplementationHelp, "finance-accounting", Some(Region::Europe), 1200.0, Path::Won(31_000), "Order-to-cash between Shopify, Stripe and our ERP."),
    (LeadKind::ImplementationHelp, "e-commerce", Some(Region::NorthAmerica), 640.0, Path::Lost("Went with their existing agency", true), "Connect our storefront to the warehouse system."),
    (LeadKind::ImplementationHelp, "security-identity", Some(Region::Europe), 20.0, Path::Routed, "Identity rollout for 2,000 staff across 5 countries."),
    (LeadKind::Other, "", None, 55.0, Path::Accepted, "We are a reseller in Canada and would like to bundle integrations."),
];

/// The request that shipped: the listing that does it now, and when (its consenting voters
/// became leads for the listing's partner then).
struct ShippedRequest {
    request: crate::entities::integration_requests::Model,
    listing: usize,
    category: Option<String>,
    at: DateTime<Utc>,
}

/// (tool, use case, votes, days since asked). The last one shipped as a Northwind listing.
const REQUESTS: [(&str, &str, usize, i64); 11] = [
    (
        "Pipedrive",
        "Sync won deals and new contacts from Pipedrive so invoices go out the day a deal closes.",
        37,
        80,
    ),
    (
        "NetSuite",
        "Two-way sync of customers, invoices and payments between NetSuite and the CRM.",
        29,
        74,
    ),
    (
        "Microsoft Dynamics 365",
        "Bring Dynamics opportunities and accounts into Slack channels per deal.",
        22,
        66,
    ),
    (
        "Intercom",
        "Show a customer's installed integrations and plan next to the Intercom conversation.",
        18,
        58,
    ),
    (
        "Notion",
        "Create a Notion page per new customer with its onboarding checklist.",
        15,
        41,
    ),
    (
        "Linear",
        "Open Linear issues from support tickets and post status changes back.",
        11,
        33,
    ),
    (
        "Gusto",
        "Payroll totals into the accounting system after every pay run.",
        7,
        25,
    ),
    (
        "BigCommerce",
        "Orders and refunds from BigCommerce into the ERP, with inventory back.",
        5,
        17,
    ),
    (
        "Freshdesk",
        "Escalate Freshdesk tickets into Jira with the customer's context.",
        3,
        9,
    ),
    (
        "Airtable",
        "Push approved expenses into an Airtable base for the ops team.",
        1,
        2,
    ),
    (
        "Xero",
        "Export monthly revenue by customer and product into Xero.",
        14,
        60,
    ),
];
const SHIPPED_LISTING: &str = "northwind-revenue-export-xero";
/// Hours ago the shipped request was linked to its listing (its leads' SLA still runs).
const SHIPPED_HOURS_AGO: i64 = 3;

/// (partner, account index, value, days ago registered, days to expected close, outcome).
const DEALS: [(&str, usize, i64, i64, i64, DealStatus); 6] = [
    (
        "tidewater-software",
        150,
        52_000,
        21,
        35,
        DealStatus::Active,
    ),
    ("northwind-labs", 151, 36_000, 12, 40, DealStatus::Active),
    ("northwind-labs", 152, 12_500, 5, 18, DealStatus::Active),
    ("northwind-labs", 153, 48_000, 50, -10, DealStatus::Won),
    ("northwind-labs", 154, 7_200, 64, -20, DealStatus::Lost),
    // The same account as Tidewater's, registered later: a conflict for admins.
    ("northwind-labs", 150, 30_000, 8, 45, DealStatus::Active),
];

impl Seeder<'_> {
    /// A partner admin account for every partner without a member, so that each partner keeps
    /// an admin and its leads and deals are worked by someone.
    async fn partner_staff(&mut self, db: &impl ConnectionTrait) -> anyhow::Result<()> {
        for (i, p) in self.catalog.partners.iter().enumerate() {
            if self.members.contains_key(&p.id) {
                continue;
            }
            let domain = p
                .website
                .as_deref()
                .and_then(|w| w.split("://").nth(1))
                .map(|host| host.trim_end_matches('/').to_string())
                .unwrap_or_else(|| format!("{}.example", p.slug));
            let (name, email) = person(i + 5, &domain);
            let user = account(db, name, email, self.now - Duration::days(200)).await?;
            partner_members::ActiveModel {
                partner_id: Set(p.id),
                user_id: Set(user.id),
                role: Set(PartnerRole::Admin),
                created_at: Set(self.now - Duration::days(200)),
            }
            .insert(db)
            .await?;
            self.members.insert(p.id, user.id);
        }
        Ok(())
    }

    async fn workspaces_and_installs(
        &mut self,
        db: &impl ConnectionTrait,
    ) -> anyhow::Result<InstallBase> {
        // The churn report's period starts at midnight 89 days ago.
        let period_start = days::date(days::of_time(self.now) - 89)
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or(self.now - Duration::days(90));
        let weights: Vec<f64> = self
            .catalog
            .listings
            .iter()
            .map(|(l, _)| {
                let boost = if self.catalog.is_featured(l) {
                    3.0
                } else {
                    1.0
                };
                (l.monthly_installs.max(1) as f64).sqrt() * boost
            })
            .collect();

        struct Plan {
            workspace: workspaces::Model,
            owner: i64,
            early: usize,
            churn_at: Option<DateTime<Utc>>,
        }
        let mut plans = Vec::with_capacity(WORKSPACES);
        let mut owners = Vec::with_capacity(WORKSPACES);
        let mut established = 0;
        for i in 0..WORKSPACES {
            let (name, domain) = company(i);
            let new_customer = i % NEW_EVERY == NEW_EVERY - 1;
            let created = if new_customer {
                self.now
                    - Duration::days(self.rng.between(20, 75))
                    - Duration::minutes(self.rng.between(0, 1439))
            } else {
                self.now
                    - Duration::days(self.rng.between(100, 270))
                    - Duration::minutes(self.rng.between(0, 1439))
            };
            let (person_name, email) = person(i, &domain);
            let owner = account(db, person_name.clone(), email.clone(), created).await?;
            let plan = PLANS[self.rng.weighted(PLANS.iter().map(|p| p.1))].0;
            let workspace = store::workspaces::create(
                db,
                name.clone(),
                Some(domain.clone()),
                plan.into(),
                owner.id,
                created,
            )
            .await?;
            let early = if new_customer {
                0
            } else {
                established += 1;
                EARLY_INSTALLS[(established - 1) % EARLY_INSTALLS.len()]
            };
            owners.push((owner.id, email));
            plans.push(Plan {
                workspace,
                owner: owner.id,
                early,
                churn_at: None,
            });
        }
        // The first workspaces of each bucket churn during the period.
        let mut churning = [0usize; 4];
        for plan in plans.iter_mut() {
            if plan.workspace.created_at >= period_start {
                continue;
            }
            let bucket = plan.early.min(3);
            if churning[bucket] < CHURNED_PER_BUCKET[bucket] {
                churning[bucket] += 1;
                plan.churn_at = Some(
                    self.now
                        - Duration::days(self.rng.between(3, 84))
                        - Duration::hours(self.rng.between(0, 23)),
                );
            }
        }

        // Every change, then applied in time order.
        let mut changes: Vec<(DateTime<Utc>, usize, usize, Option<InstallSource>)> = Vec::new();
        let mut installed: Vec<Installed> = Vec::new();
        for (w, plan) in plans.iter().enumerate() {
            let end = plan.churn_at.unwrap_or(self.now - Duration::hours(1));
            let recent = match (plan.churn_at, plan.early) {
                (Some(_), _) => self.rng.between(0, 1) as usize,
                (None, _) if plan.workspace.created_at >= period_start => {
                    self.rng.between(1, 3) as usize
                }
                _ => [0, 1, 1, 2, 2, 3][self.rng.between(0, 5) as usize],
            };
            let mut chosen: HashSet<usize> = HashSet::new();
            let mut pick = |rng: &mut Rng| loop {
                let l = rng.weighted(weights.iter().copied());
                if chosen.insert(l) {
                    return l;
                }
            };
            let mut times = Vec::new();
            for _ in 0..plan.early {
                let from = plan.workspace.created_at + Duration::days(1);
                times.push((self.rng.time(from, period_start - Duration::days(1)), true));
            }
            for _ in 0..recent {
                let from = plan.workspace.created_at.max(period_start) + Duration::hours(2);
                times.push((self.rng.time(from, end - Duration::hours(6)), false));
            }
            for (at, early) in times {
                let listing = pick(&mut self.rng);
                let source = SOURCES[self.rng.weighted(SOURCES.iter().map(|s| s.1))].0;
                // Early installs stay through the start of the period: the churn buckets count them.
                let kept_from = if early { period_start } else { at } + Duration::days(1);
                let until = if plan.churn_at.is_some() {
                    Some(end - Duration::hours(self.rng.between(0, 5)))
                } else if self.rng.chance(0.12) && kept_from < end {
                    Some(self.rng.time(kept_from, end))
                } else {
                    None
                };
                changes.push((at, w, listing, Some(source)));
                if let Some(u) = until {
                    changes.push((u, w, listing, None));
                }
                installed.push(Installed {
                    workspace: plan.workspace.id,
                    listing,
                    source,
                    at,
                    until,
                });
            }
        }
        changes.sort_by_key(|c| c.0);
        for (at, w, listing, source) in changes {
            let plan = &plans[w];
            let change = match source {
                Some(source) => {
                    let utm = if matches!(
                        source,
                        InstallSource::PartnerReferral | InstallSource::Other
                    ) || self.rng.chance(0.15)
                    {
                        let (s, m, c) =
                            CAMPAIGNS[self.rng.between(0, CAMPAIGNS.len() as i64 - 1) as usize];
                        Utm {
                            source: Some(s.into()),
                            medium: Some(m.into()),
                            campaign: Some(c.into()),
                            ..Utm::default()
                        }
                    } else {
                        Utm::default()
                    };
                    self.summary.installs += 1;
                    Change::Install { source, utm }
                }
                None => {
                    self.summary.uninstalls += 1;
                    Change::Uninstall
                }
            };
            let listing_id = self.catalog.listings[listing].0.id;
            installs::apply(
                db,
                plan.workspace.id,
                listing_id,
                change,
                Some(plan.owner),
                at,
            )
            .await?;
        }
        for plan in plans {
            self.summary.workspaces += 1;
            if let Some(at) = plan.churn_at {
                self.summary.churned += 1;
                let mut row = plan.workspace.into_active_model();
                row.status = Set(WorkspaceStatus::Churned);
                row.churned_at = Set(Some(at));
                row.updated_at = Set(at);
                row.update(db).await?;
            }
        }
        Ok(InstallBase {
            installs: installed,
            owners,
        })
    }

    /// Usage of the installed integrations over the last [`USAGE_DAYS`] days, through the same
    /// roll-up writer the usage folder uses. Listings differ in how much they are used (so MAU,
    /// DAU and adoption differ), some installs are never used, weekends are quieter.
    async fn usage(&mut self, db: &impl ConnectionTrait, base: &InstallBase) -> anyhow::Result<()> {
        let today = days::of_time(self.now);
        let mut daily = Daily::new();
        for install in &base.installs {
            let (listing, _) = &self.catalog.listings[install.listing];
            let intensity = 0.1 + 0.85 * trait_of(&listing.slug, 1);
            let engagement = self.rng.unit();
            if engagement < 0.45 - 0.35 * intensity {
                // Installed and never used: more often so for the less compelling listings.
                continue;
            }
            let p = intensity * (0.35 + 0.65 * engagement);
            let first = days::of_time(install.at).max(today - USAGE_DAYS + 1);
            // People stop using an integration a while before they remove it (or churn), and
            // some simply stop.
            let last = match install.until {
                Some(until) => days::of_time(until) - self.rng.between(3, 25) as i32,
                None if self.rng.chance(0.12) => today - self.rng.between(10, 40) as i32,
                None => today,
            };
            for day in first..=last {
                let weekend = matches!(days::date(day).weekday(), Weekday::Sat | Weekday::Sun);
                if self.rng.chance(if weekend { p * 0.4 } else { p }) {
                    let events = self.rng.between(1, 3 + (30.0 * intensity) as i64);
                    daily.insert((listing.id, day, install.workspace), events);
                }
            }
        }
        self.summary.usage_rows = daily.len();
        self.summary.usage_events = daily.values().sum();
        rollups::write(db, &daily, &rollups::last_seen(&daily)).await?;
        Ok(())
    }

    /// Listing page views and install-button clicks per listing, day and source over the last
    /// [`FUNNEL_DAYS`] days, with at least as many clicks as installs and views as clicks on
    /// every row (the funnel: view → click → install).
    async fn funnel(
        &mut self,
        db: &impl ConnectionTrait,
        base: &InstallBase,
    ) -> anyhow::Result<()> {
        let today = days::of_time(self.now);
        let mut installs_on: HashMap<(i64, i32, InstallSource), i64> = HashMap::new();
        for i in &base.installs {
            let id = self.catalog.listings[i.listing].0.id;
            *installs_on
                .entry((id, days::of_time(i.at), i.source))
                .or_default() += 1;
        }
        let mut installs_per_listing: HashMap<i64, i64> = HashMap::new();
        for ((listing, day, _), n) in &installs_on {
            if *day > today - FUNNEL_DAYS {
                *installs_per_listing.entry(*listing).or_default() += n;
            }
        }
        let mut rows: BTreeMap<(i64, i32, InstallSource), DailyCounts> = BTreeMap::new();
        for (listing, _) in self.catalog.listings {
            let featured = self.catalog.is_featured(listing);
            let click_rate = 0.08 + 0.17 * trait_of(&listing.slug, 2);
            let install_rate = 0.2 + 0.3 * trait_of(&listing.slug, 3);
            // Enough visits for the installs seen (at the listing's click and install rates),
            // and some interest from the listing's reputation beyond that.
            let installs = installs_per_listing.get(&listing.id).copied().unwrap_or(0) as f64;
            let daily_views = installs / (install_rate * click_rate) / f64::from(FUNNEL_DAYS)
                + 0.2
                + (listing.monthly_installs.max(1) as f64).sqrt() / 150.0
                    * if featured { 1.5 } else { 1.0 };
            for day in today - FUNNEL_DAYS + 1..=today {
                let growth =
                    0.8 + 0.4 * f64::from(day - today + FUNNEL_DAYS) / f64::from(FUNNEL_DAYS);
                let weekend = matches!(days::date(day).weekday(), Weekday::Sat | Weekday::Sun);
                let part_of_day = if day == today {
                    (f64::from(self.now.time().num_seconds_from_midnight()) / 86_400.0).max(0.05)
                } else {
                    1.0
                };
                let expected =
                    daily_views * growth * if weekend { 0.55 } else { 1.0 } * part_of_day;
                let views = (expected * (0.6 + 0.8 * self.rng.unit())).round() as i64;
                for _ in 0..views {
                    let source = SOURCES[self.rng.weighted(SOURCES.iter().map(|s| s.1))].0;
                    let row = rows.entry((listing.id, day, source)).or_default();
                    row.views += 1;
                    if self.rng.chance(click_rate) {
                        row.clicks += 1;
                    }
                }
            }
        }
        // Every install came through a click, every click from a view.
        for ((listing, day, source), n) in installs_on {
            if day < today - FUNNEL_DAYS + 1 {
                continue;
            }
            let row = rows.entry((listing, day, source)).or_default();
            row.clicks = row.clicks.max(n);
            row.views = row.views.max(row.clicks + self.rng.between(0, 3));
        }
        self.summary.views = rows.values().map(|r| r.views).sum();
        self.summary.clicks = rows.values().map(|r| r.clicks).sum();
        let rows: Vec<((i64, i32, String), DailyCounts)> = rows
            .into_iter()
            .map(|((l, d, s), c)| ((l, d, s.as_str().to_string()), c))
            .collect();
        installs::add_daily(db, &rows).await?;
        Ok(())
    }

    async fn integration_requests(
        &mut self,
        db: &impl ConnectionTrait,
        base: &InstallBase,
    ) -> anyhow::Result<Option<ShippedRequest>> {
        let ip_hash = crate::hashing::sha256_hex("mercato demo seed");
        let mut shipped = None;
        let mut prospect = 60;
        for (n, (tool, use_case, votes, days_ago)) in REQUESTS.iter().enumerate() {
            let asked =
                self.now - Duration::days(*days_ago) - Duration::hours(self.rng.between(0, 20));
            let ships = n == REQUESTS.len() - 1;
            let closes = if ships {
                self.now - Duration::hours(SHIPPED_HOURS_AGO)
            } else {
                self.now - Duration::minutes(90)
            };
            let first_owner = self.rng.between(0, base.owners.len() as i64 - 1) as usize;
            let (owner_id, _) = &base.owners[first_owner];
            let mut request = requests::open(
                db,
                tool.to_string(),
                use_case.to_string(),
                Some(*owner_id),
                asked,
            )
            .await?;
            let mut at = asked;
            for v in 0..*votes {
                let voter = if v % 3 != 2 && v / 3 < base.owners.len() {
                    // A customer's account (the asker first).
                    let (id, email) =
                        &base.owners[(first_owner + v / 3 * 2 + v % 3) % base.owners.len()];
                    Voter {
                        key: format!("user:{id}"),
                        user_id: Some(*id),
                        email: email.clone(),
                        contact_name: None,
                        company_name: None,
                        company_domain: None,
                        consent: false,
                    }
                } else {
                    // A visitor who leaves a contact, and (self.now and then) agrees to an introduction.
                    prospect += 1;
                    let (company_name, domain) = company(prospect);
                    let (name, email) = person(prospect, &domain);
                    let consent = if ships { v < 9 } else { self.rng.chance(0.4) };
                    Voter {
                        key: format!("email:{email}"),
                        user_id: None,
                        email,
                        contact_name: Some(name),
                        company_name: Some(company_name),
                        company_domain: Some(domain),
                        consent,
                    }
                };
                if v > 0 {
                    let left = (closes - at).num_seconds().max(60);
                    at += Duration::seconds(
                        self.rng
                            .between(30, left / (*votes - v) as i64 * 2)
                            .min(left),
                    );
                }
                // Each voter once: customers in turn, visitors new each time.
                request = requests::cast(db, &request, voter, ip_hash.clone(), at).await?;
                self.summary.votes += 1;
            }
            self.summary.requests += 1;
            if ships {
                let listing = self
                    .catalog
                    .listings
                    .iter()
                    .position(|(l, _)| l.slug == SHIPPED_LISTING)
                    .ok_or_else(|| anyhow::anyhow!("the demo has no listing {SHIPPED_LISTING}"))?;
                shipped = Some(ShippedRequest {
                    request,
                    listing,
                    category: self.catalog.listings[listing].1.first().cloned(),
                    at: closes,
                });
            }
        }
        Ok(shipped)
    }

    async fn leads(
        &mut self,
        db: &impl ConnectionTrait,
        shipped: Option<ShippedRequest>,
    ) -> anyhow::Result<()> {
        let ip_hash = crate::hashing::sha256_hex("mercato demo seed");
        let routing = rules::load(db)
            .await
            .map_err(|e| anyhow::anyhow!("routing rules: {e}"))?;
        let featured = self
            .catalog
            .partners
            .iter()
            .find(|p| p.slug == FEATURED_PARTNER)
            .map(|p| p.id);
        // Oldest first, the shipped request among them, so the routing statistics (open leads,
        // last routed) move in time order as they would have.
        let mut order: Vec<(f64, Option<usize>)> = LEADS
            .iter()
            .enumerate()
            .map(|(i, plan)| (plan.3, Some(i)))
            .collect();
        if shipped.is_some() {
            order.push((SHIPPED_HOURS_AGO as f64, None));
        }
        order.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut shipped = shipped;
        for (hours_ago, plan) in order {
            let Some(i) = plan else {
                if let Some(s) = shipped.take() {
                    let (listing, _) = &self.catalog.listings[s.listing];
                    let (_, made) =
                        requests::ship(db, s.request, listing, s.category, s.at).await?;
                    self.summary.leads += made;
                    if Some(listing.partner_id) == featured {
                        self.summary.featured_leads += made;
                    }
                }
                continue;
            };
            let (kind, target, region, _, path, message) = LEADS[i];
            let submitted = self.now - Duration::seconds((hours_ago * 3600.0) as i64);
            let (listing_id, category) = match kind {
                LeadKind::Intro => {
                    let (l, categories) = self
                        .catalog
                        .listings
                        .iter()
                        .find(|(l, _)| l.slug == target)
                        .ok_or_else(|| anyhow::anyhow!("the demo has no listing {target}"))?;
                    (Some(l.id), categories.first().cloned())
                }
                _ => (None, (!target.is_empty()).then(|| target.to_string())),
            };
            let (company_name, domain) = company(100 + i);
            let (contact_name, email) = person(100 + i, &domain);
            let (lead, partner) = crate::leads::submit(
                db,
                crate::leads::NewLead {
                    kind,
                    listing_id,
                    category,
                    region,
                    contact_name,
                    email,
                    company_name,
                    company_domain: domain,
                    message: message.into(),
                    submitted_by: None,
                    ip_hash: ip_hash.clone(),
                },
                submitted,
            )
            .await?;
            self.summary.leads += 1;
            let Some(partner) = partner else {
                anyhow::bail!("demo lead {i} found no partner");
            };
            if Some(partner.id) == featured {
                self.summary.featured_leads += 1;
            }
            let actor = self.members.get(&partner.id).copied();
            // The moves after the submission: accepted within hours, qualified within days,
            // closed within weeks — never later than an hour ago.
            let latest = self.now - Duration::hours(1);
            let span = (latest - submitted).num_seconds().max(60);
            let accepted_at =
                submitted + Duration::seconds(span.min(self.rng.between(1800, 18 * 3600)));
            let qualified_at =
                accepted_at + Duration::seconds((latest - accepted_at).num_seconds().max(0) / 3);
            let closed_at =
                qualified_at + Duration::seconds((latest - qualified_at).num_seconds().max(0) / 2);
            match path {
                Path::Routed => {}
                Path::Breached => {
                    let due = lead.sla_due_at.unwrap_or(submitted + Duration::hours(24));
                    let why = assignment::Move {
                        first: false,
                        actor: None,
                        note: "not accepted within the SLA",
                        at: due,
                    };
                    assignment::reassign(db, lead, RouteOutcome::Breached, &routing, why).await?;
                }
                Path::Accepted | Path::Qualified | Path::Won(_) | Path::Lost(..) => {
                    let lead = pipeline::write_acceptance(db, lead, actor, accepted_at).await?;
                    let lead = match path {
                        Path::Qualified | Path::Won(_) | Path::Lost(_, true) => {
                            pipeline::write_advance(
                                db,
                                lead,
                                pipeline::Outcome::Qualified,
                                actor,
                                qualified_at,
                            )
                            .await?
                        }
                        _ => lead,
                    };
                    let outcome = match path {
                        Path::Won(deal_value) => Some(pipeline::Outcome::Won { deal_value }),
                        Path::Lost(reason, _) => Some(pipeline::Outcome::Lost {
                            reason: reason.into(),
                        }),
                        _ => None,
                    };
                    if let Some(outcome) = outcome {
                        pipeline::write_advance(db, lead, outcome, actor, closed_at).await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn deal_registrations(&mut self, db: &impl ConnectionTrait) -> anyhow::Result<()> {
        for (partner, account, value, days_ago, closes_in, outcome) in DEALS {
            let partner = self
                .catalog
                .partners
                .iter()
                .find(|p| p.slug == partner)
                .ok_or_else(|| anyhow::anyhow!("the demo has no partner {partner}"))?;
            let (account_name, account_domain) = company(account);
            let at = self.now - Duration::days(days_ago);
            let deal = deals::register(
                db,
                deals::NewDeal {
                    partner_id: partner.id,
                    account_domain,
                    account_name,
                    value,
                    expected_close: (self.now + Duration::days(closes_in)).date_naive(),
                    notes: "Registered after a joint discovery call.".into(),
                    created_by: self.members.get(&partner.id).copied(),
                },
                at,
            )
            .await?;
            if outcome != DealStatus::Active {
                let closed =
                    (self.now + Duration::days(closes_in)).min(self.now - Duration::hours(2));
                deals::close(db, deal, outcome, closed).await?;
            }
            self.summary.deals += 1;
        }
        Ok(())
    }
}
