//! Search: one `SearchIndex` trait, two real engines — tantivy embedded under the data
//! directory (the default) and Meilisearch (`MEILISEARCH_URL`) — and what they share: the
//! document every listing is indexed as, query parsing, ranking (`ranking.rs`, the weights in
//! one place), highlighting and explanations.
//!
//! The database is the source of truth. Changes reach the index through the outbox (written in
//! the same transaction as the change) and the worker in `worker.rs`; `mercato reindex`
//! rebuilds the index from the database.

pub mod document;
pub mod meili;
pub mod ranking;
pub mod reindex;
pub mod service;
pub mod tantivy_engine;
pub mod text;
pub mod worker;

use std::sync::Arc;

use async_trait::async_trait;
use mercato_shared::api::listings::PricingModel;
use mercato_shared::api::partners::Tier;
use mercato_shared::api::search::{Facets, SearchHit, Suggestion};

use crate::config::Settings;

/// A published listing of an active partner, as the index holds it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SearchDocument {
    pub slug: String,
    pub name: String,
    pub tagline: String,
    pub description: String,
    pub use_cases: Vec<String>,
    /// (slug, name) of each category.
    pub categories: Vec<(String, String)>,
    pub partner_slug: String,
    pub partner_name: String,
    pub pricing: PricingModel,
    /// Awarded badges, plus `certified` for listings of certified partners and `verified` for
    /// those of partners with a verified domain.
    pub badges: Vec<String>,
    pub installs: i64,
    pub rating: f64,
    pub certified: bool,
    pub tier: Tier,
}

/// Filters of a search; each narrows to listings with that value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub category: Option<String>,
    pub pricing: Option<PricingModel>,
    pub partner: Option<String>,
    pub badge: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: text::ParsedQuery,
    pub filters: Filters,
    pub offset: usize,
    pub limit: usize,
    /// Attach an explanation to each hit.
    pub explain: bool,
    /// Skip facet counting (suggestions, internal callers).
    pub facets: bool,
}

pub struct SearchOutcome {
    pub hits: Vec<SearchHit>,
    pub facets: Facets,
    pub estimated_total: u64,
}

/// A search engine holding the searchable copy of published listings.
///
/// Writes are staged and become visible (and durable) at [`commit`](SearchIndex::commit);
/// `checkpoint` lets the embedded engine store, atomically with its commit, how far through
/// the outbox it is.
#[async_trait]
pub trait SearchIndex: Send + Sync {
    /// `tantivy` or `meilisearch`.
    fn engine(&self) -> &'static str;

    /// Names this index (its checkpoint and lease are kept under this name).
    fn identity(&self) -> String;

    /// Whether several processes may write to this index (a shared server), so that writers
    /// must take turns under a lease. An embedded index is locked by its one process anyway.
    fn shared(&self) -> bool {
        false
    }

    /// Picks up an index rebuilt by another process (`mercato reindex`); whether it switched.
    fn follow_switch(&self) -> anyhow::Result<bool> {
        Ok(false)
    }

    async fn search(&self, request: &SearchRequest) -> anyhow::Result<SearchOutcome>;

    /// Listing names and use-case phrases for the search box.
    async fn suggest(
        &self,
        query: &text::ParsedQuery,
        limit: usize,
    ) -> anyhow::Result<Vec<Suggestion>>;

    /// Adds or replaces documents (by slug).
    async fn upsert(&self, docs: Vec<SearchDocument>) -> anyhow::Result<()>;

    /// Removes documents by slug (unknown slugs are ignored).
    async fn delete(&self, slugs: Vec<String>) -> anyhow::Result<()>;

    /// Removes every document (before a rebuild).
    async fn clear(&self) -> anyhow::Result<()>;

    /// Makes the staged writes durable and visible.
    async fn commit(&self) -> anyhow::Result<()>;

    /// The number of documents searchable now.
    async fn document_count(&self) -> anyhow::Result<u64>;
}

pub type SharedIndex = Arc<dyn SearchIndex>;

/// The engine the settings ask for: Meilisearch when `MEILISEARCH_URL` is set, tantivy under
/// the data directory otherwise.
pub async fn open(settings: &Settings) -> anyhow::Result<SharedIndex> {
    match &settings.meilisearch_url {
        Some(url) => Ok(Arc::new(
            meili::MeiliIndex::connect(
                url,
                settings
                    .meilisearch_api_key
                    .as_ref()
                    .map(secrecy::ExposeSecret::expose_secret),
                &settings.meilisearch_index,
            )
            .await?,
        )),
        None => Ok(Arc::new(tantivy_engine::TantivyIndex::open(
            &settings.data_dir.join("search"),
        )?)),
    }
}

/// The hit for a document: card data and highlights, and the explanation if asked for.
pub fn hit(doc: &SearchDocument, query: &text::ParsedQuery, explain: bool) -> SearchHit {
    use mercato_shared::api::search::{Highlights, HitPartner};
    SearchHit {
        slug: doc.slug.clone(),
        name: doc.name.clone(),
        tagline: doc.tagline.clone(),
        partner: HitPartner {
            slug: doc.partner_slug.clone(),
            name: doc.partner_name.clone(),
        },
        categories: doc
            .categories
            .iter()
            .map(|(slug, _)| slug.clone())
            .collect(),
        badges: doc.badges.clone(),
        pricing: doc.pricing,
        rating: doc.rating,
        installs: doc.installs,
        highlights: Highlights {
            name: text::highlight(&doc.name, query, None),
            tagline: text::highlight(&doc.tagline, query, None),
            description: text::highlight(&doc.description, query, Some(30)),
        },
        explain: explain.then(|| ranking::explain(query, doc)),
    }
}

/// Suggestions from ranked documents: each listing's name, and its use-case phrases that
/// contain every word of the query; best-ranked first, without repeats.
pub fn suggestions_from(
    docs: &[SearchDocument],
    query: &text::ParsedQuery,
    limit: usize,
) -> Vec<Suggestion> {
    let mut out: Vec<Suggestion> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let matches_all = |phrase: &str| {
        let tokens = text::tokenize(phrase);
        query.words.iter().all(|w| {
            tokens
                .iter()
                .any(|t| text::word_match(w, &t.text).is_some())
        })
    };
    let matches_any = |phrase: &str| {
        let tokens = text::tokenize(phrase);
        query.words.iter().any(|w| {
            tokens
                .iter()
                .any(|t| text::word_match(w, &t.text).is_some())
        })
    };
    for doc in docs {
        if out.len() >= limit {
            break;
        }
        if matches_any(&doc.name) && seen.insert(doc.name.to_lowercase()) {
            out.push(Suggestion {
                text: doc.name.clone(),
                kind: "name".into(),
                slug: Some(doc.slug.clone()),
                highlighted: text::highlight(&doc.name, query, None),
            });
        }
        for phrase in &doc.use_cases {
            if out.len() >= limit {
                break;
            }
            if matches_all(phrase) && seen.insert(phrase.to_lowercase()) {
                out.push(Suggestion {
                    text: phrase.clone(),
                    kind: "use_case".into(),
                    slug: None,
                    highlighted: text::highlight(phrase, query, None),
                });
            }
        }
    }
    out.truncate(limit);
    out
}
