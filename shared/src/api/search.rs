//! Search and suggestions.

use serde::{Deserialize, Serialize};

use super::listings::PricingModel;

/// Badges a listing can carry. Admins award the first ones; `certified` comes from the
/// partner's current certifications, `verified` from its proven website domain.
pub const BADGES: &[&str] = &[
    "staff-pick",
    "built-for-mercato",
    "editors-choice",
    "new-and-noteworthy",
    "certified",
    "verified",
];

/// Badges admins award by hand (all of [`BADGES`] but the derived ones).
pub const AWARDED_BADGES: &[&str] = &[
    "staff-pick",
    "built-for-mercato",
    "editors-choice",
    "new-and-noteworthy",
];

pub const QUERY_MAX_CHARS: usize = 200;
pub const QUERY_MAX_WORDS: usize = 10;
/// Deepest result a search pages to (offset + limit).
pub const MAX_RESULT_WINDOW: usize = 1000;

/// A search hit: the listing's card data, with highlighted snippets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub slug: String,
    pub name: String,
    pub tagline: String,
    pub partner: HitPartner,
    /// Category slugs.
    pub categories: Vec<String>,
    pub badges: Vec<String>,
    pub pricing: PricingModel,
    /// Average review rating, 0 when there are no reviews yet.
    pub rating: f64,
    pub installs: i64,
    /// The matched words wrapped in `<mark>…</mark>`, the rest HTML-escaped.
    pub highlights: Highlights,
    /// With `explain=true`, for callers allowed to see it: the parts of the score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<Explanation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HitPartner {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Highlights {
    pub name: String,
    pub tagline: String,
    /// A snippet of the description around the matches (empty when nothing matched there).
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facets {
    pub category: Vec<FacetCount>,
    pub pricing: Vec<FacetCount>,
    pub badge: Vec<FacetCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResponse {
    pub hits: Vec<SearchHit>,
    /// Counts of the matching listings per facet value (with the other filters applied).
    pub facets: Facets,
    /// How many listings match (exact on the embedded engine, an estimate on Meilisearch).
    pub estimated_total: u64,
    /// Time spent searching, in milliseconds.
    pub took_ms: f64,
    /// The engine that answered: `tantivy` or `meilisearch`.
    pub engine: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Why a hit ranks where it does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Explanation {
    /// The final score: relevance plus the boosts.
    pub score: f64,
    pub relevance: Relevance,
    pub boosts: Vec<Boost>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Relevance {
    pub score: f64,
    /// For each query word: where it matched best, as which word, with how many typos.
    pub matches: Vec<WordMatch>,
    /// Bonus for matching the listing's whole name.
    pub exact_name_bonus: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WordMatch {
    pub query_word: String,
    /// `name`, `use_cases`, `tagline`, `categories`, `partner` or `description`; absent when
    /// the word matched nowhere.
    pub field: Option<String>,
    pub matched_word: Option<String>,
    pub typos: u8,
    pub prefix: bool,
    /// The field's weight times the match quality.
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Boost {
    /// `popularity`, `rating`, `certification` or `tier`.
    pub name: String,
    /// The input, e.g. monthly installs, average rating, 1 for certified, tier rank.
    pub input: f64,
    pub weight: f64,
    /// What it adds to the score.
    pub contribution: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestion {
    /// What to show (and search for).
    pub text: String,
    /// `name` (a listing) or `use_case` (a phrase).
    pub kind: String,
    /// For names: the listing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// `text` with the matched part wrapped in `<mark>`.
    pub highlighted: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuggestResponse {
    pub suggestions: Vec<Suggestion>,
    pub took_ms: f64,
}

/// How far the search index is behind the database (admins): for dashboards and for waiting
/// on a change to become searchable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndexStatus {
    pub engine: String,
    pub identity: String,
    pub documents: u64,
    /// The last outbox entry the index has applied (-1 before its first build).
    pub checkpoint: i64,
    /// The newest outbox entry.
    pub latest: i64,
    /// Entries not applied yet.
    pub pending: i64,
    /// The last time the worker rebuilt the index because it had missed outbox entries that
    /// were pruned (it was not kept up to date for longer than the outbox keeps them); `null`
    /// if it never had to.
    pub last_recovery: Option<IndexRecovery>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndexRecovery {
    pub at: chrono::DateTime<chrono::Utc>,
    pub reason: String,
}
