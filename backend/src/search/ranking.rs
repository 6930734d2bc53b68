//! How search results are ranked: every weight in one place.
//!
//! ```text
//! score = Σ over query words of  COVERAGE + best over fields (FIELD weight × MATCH quality)
//!       + whole-name bonus
//!       + popularity + rating + certification + tier boosts
//! ```
//!
//! - **Coverage** dominates: a listing that matches more of the query's words ranks above one
//!   that matches fewer, whatever the boosts (all boosts together stay below `COVERAGE`).
//! - **Fields**: a word found in the name counts most, then use cases, tagline, categories,
//!   partner name, description. The steps are sized against the boosts (at most
//!   [`MAX_BOOSTS`]): popularity may lift a tagline match over a name match, never a
//!   description match over a name match.
//! - **Match quality**: exact word > prefix of the last word (search-as-you-type) > one typo >
//!   two typos. An exact word in a field always outranks the same field with a typo, whatever
//!   the boosts.
//! - **Whole name**: the query spelling out the listing's whole name (separators ignored:
//!   "walrus fen tusk" = `walrus-fen-tusk`, also without an npm-style `@scope/`) earns a bonus;
//!   with typos, a smaller one.
//! - **Boosts** (also the whole score of an empty query, which lists by popularity):
//!   popularity is `log10(1 + installs)` — installs of workspaces, which partners cannot
//!   inflate — the average rating, a flat boost for partners with a current certification
//!   ("listing boosts" for certified partners) and the partner tier (registered 0, select 1,
//!   premier 2).
//!
//! The tantivy engine computes exactly this score inside the index (constant-score clauses per
//! word, field and quality, combined with dis-max per word, plus the stored boost); `explain`
//! recomputes it from the document with the same rules, so what it shows is what ranked.

use mercato_shared::api::partners::Tier;
use mercato_shared::api::search::{Boost, Explanation, Relevance, WordMatch};

use super::text::{name_key_pair, tokenize, word_match, ParsedQuery, UNSCOPED_NAME_FACTOR};
use super::SearchDocument;

/// Added for each query word that matches anywhere.
pub const COVERAGE: f64 = 1000.0;

/// The searchable fields and their weights, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    UseCases,
    Tagline,
    Categories,
    Partner,
    Description,
}

impl Field {
    pub const ALL: [Field; 6] = [
        Field::Name,
        Field::UseCases,
        Field::Tagline,
        Field::Categories,
        Field::Partner,
        Field::Description,
    ];

    pub fn weight(self) -> f64 {
        match self {
            Field::Name => 100.0,
            Field::UseCases => 80.0,
            Field::Tagline => 60.0,
            Field::Categories => 50.0,
            Field::Partner => 40.0,
            Field::Description => 20.0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::UseCases => "use_cases",
            Field::Tagline => "tagline",
            Field::Categories => "categories",
            Field::Partner => "partner",
            Field::Description => "description",
        }
    }

    /// Whether typos are tolerated in this field. Descriptions are long and varied: fuzzy
    /// matching there finds mostly noise, so they match exact words and prefixes only.
    pub fn typo_tolerant(self) -> bool {
        self != Field::Description
    }
}

/// The quality of a word match: exact 1, prefix 0.9, one typo 0.3, two typos 0.15.
pub fn match_quality(typos: u8, prefix: bool) -> f64 {
    let base = match typos {
        0 => 1.0,
        1 => 0.3,
        _ => 0.15,
    };
    if prefix {
        base * 0.9
    } else {
        base
    }
}

/// The whole-name bonus: exact, or scaled by the match quality for a name within the typo
/// budget of the query's compact form.
pub const WHOLE_NAME_BONUS: f64 = 150.0;

pub const POPULARITY_WEIGHT: f64 = 2.0;
pub const RATING_WEIGHT: f64 = 2.0;
pub const CERTIFICATION_BOOST: f64 = 6.0;
pub const TIER_WEIGHT: f64 = 2.0;

/// The most all boosts can add: 2×log10(1+2^63) ≈ 38, + 10 + 6 + 4.
pub const MAX_BOOSTS: f64 =
    POPULARITY_WEIGHT * 19.0 + RATING_WEIGHT * 5.0 + CERTIFICATION_BOOST + TIER_WEIGHT * 2.0;

// The guarantees of the module comment, checked at compile time.
const _: () = assert!(MAX_BOOSTS < COVERAGE);
const _: () = assert!(100.0 - 20.0 > MAX_BOOSTS, "name over description");
const _: () = assert!(100.0 * (1.0 - 0.3) > MAX_BOOSTS, "exact over one typo");

pub fn tier_rank(tier: Tier) -> f64 {
    match tier {
        Tier::Registered => 0.0,
        Tier::Select => 1.0,
        Tier::Premier => 2.0,
    }
}

/// The boosts of a document (they do not depend on the query, so the index stores their sum).
pub fn boosts(doc: &SearchDocument) -> Vec<Boost> {
    let installs = doc.installs.max(0) as f64;
    let parts = [
        (
            "popularity",
            installs,
            POPULARITY_WEIGHT,
            (1.0 + installs).log10(),
        ),
        (
            "rating",
            doc.rating,
            RATING_WEIGHT,
            doc.rating.clamp(0.0, 5.0),
        ),
        (
            "certification",
            if doc.certified { 1.0 } else { 0.0 },
            CERTIFICATION_BOOST,
            if doc.certified { 1.0 } else { 0.0 },
        ),
        (
            "tier",
            tier_rank(doc.tier),
            TIER_WEIGHT,
            tier_rank(doc.tier),
        ),
    ];
    parts
        .into_iter()
        .map(|(name, input, weight, factor)| Boost {
            name: name.into(),
            input,
            weight,
            contribution: weight * factor,
        })
        .collect()
}

pub fn static_boost(doc: &SearchDocument) -> f64 {
    boosts(doc).iter().map(|b| b.contribution).sum()
}

/// The texts of a field of a document.
fn field_texts(doc: &SearchDocument, field: Field) -> Vec<&str> {
    match field {
        Field::Name => vec![doc.name.as_str()],
        Field::UseCases => doc.use_cases.iter().map(String::as_str).collect(),
        Field::Tagline => vec![doc.tagline.as_str()],
        Field::Categories => doc
            .categories
            .iter()
            .map(|(_, name)| name.as_str())
            .collect(),
        Field::Partner => vec![doc.partner_name.as_str()],
        Field::Description => vec![doc.description.as_str()],
    }
}

/// The whole-name bonus of a query for a document's name, with the typos it took.
pub fn whole_name_bonus(query: &ParsedQuery, name: &str) -> f64 {
    if query.compact.is_empty() {
        return 0.0;
    }
    // One typo at most on the whole name (see the tantivy engine).
    let budget = super::text::typo_budget(&query.compact).min(1);
    let (full, unscoped) = name_key_pair(name);
    [(Some(full), 1.0), (unscoped, UNSCOPED_NAME_FACTOR)]
        .into_iter()
        .filter_map(|(key, factor)| {
            let key = key?;
            super::text::distance_within(&query.compact, &key, budget)
                .map(|d| factor * WHOLE_NAME_BONUS * match_quality(d, false))
        })
        .fold(0.0, f64::max)
}

/// The score of `doc` for `query`, with its parts.
pub fn explain(query: &ParsedQuery, doc: &SearchDocument) -> Explanation {
    let mut matches = Vec::with_capacity(query.words.len());
    let mut relevance = 0.0;
    for word in &query.words {
        let mut best: Option<WordMatch> = None;
        for field in Field::ALL {
            for text in field_texts(doc, field) {
                for token in tokenize(text) {
                    let Some((typos, prefix)) = word_match(word, &token.text) else {
                        continue;
                    };
                    if typos > 0 && !field.typo_tolerant() {
                        continue;
                    }
                    let score = field.weight() * match_quality(typos, prefix);
                    if best.as_ref().is_none_or(|b| score > b.score) {
                        best = Some(WordMatch {
                            query_word: word.text.clone(),
                            field: Some(field.as_str().into()),
                            matched_word: Some(token.text.clone()),
                            typos,
                            prefix,
                            score,
                        });
                    }
                }
            }
        }
        match best {
            Some(m) => {
                relevance += COVERAGE + m.score;
                matches.push(m);
            }
            None => matches.push(WordMatch {
                query_word: word.text.clone(),
                field: None,
                matched_word: None,
                typos: 0,
                prefix: false,
                score: 0.0,
            }),
        }
    }
    let bonus = whole_name_bonus(query, &doc.name);
    relevance += bonus;
    let boosts = boosts(doc);
    let score = relevance + boosts.iter().map(|b| b.contribution).sum::<f64>();
    Explanation {
        score,
        relevance: Relevance {
            score: relevance,
            matches,
            exact_name_bonus: bonus,
        },
        boosts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mercato_shared::api::listings::PricingModel;

    fn doc(name: &str, tagline: &str, installs: i64) -> SearchDocument {
        SearchDocument {
            slug: "x".into(),
            name: name.into(),
            tagline: tagline.into(),
            description: String::new(),
            use_cases: vec![],
            categories: vec![],
            partner_slug: "p".into(),
            partner_name: "Acme".into(),
            pricing: PricingModel::Free,
            badges: vec![],
            installs,
            rating: 0.0,
            certified: false,
            tier: Tier::Registered,
        }
    }

    #[test]
    fn coverage_beats_any_boost() {
        let q = ParsedQuery::parse("ferry plank", 10);
        let all_words = explain(&q, &doc("Ferry alerts", "for plank", 0));
        let mut popular = doc("Ferry trinket", "nothing", i64::MAX);
        popular.certified = true;
        popular.rating = 5.0;
        popular.tier = Tier::Premier;
        assert!(all_words.score > explain(&q, &popular).score);
    }

    #[test]
    fn name_beats_description_and_exact_beats_typo() {
        let q = ParsedQuery::parse("gazebo ", 10);
        let in_name = explain(&q, &doc("Gazebo", "", 0));
        let mut in_desc = doc("Heath", "", 0);
        in_desc.description = "a gazebo".into();
        assert!(in_name.score > explain(&q, &in_desc).score);
        let typo = explain(&ParsedQuery::parse("gazebi ", 10), &doc("Gazebo", "", 0));
        assert_eq!(typo.relevance.matches[0].typos, 1);
        assert!(in_name.score > typo.score);
    }

    #[test]
    fn the_whole_name_earns_a_bonus() {
        let q = ParsedQuery::parse("walrus fen tusk", 10);
        assert_eq!(
            explain(&q, &doc("walrus-fen-tusk", "", 0))
                .relevance
                .exact_name_bonus,
            WHOLE_NAME_BONUS
        );
        assert_eq!(
            explain(&q, &doc("walrus-fen-tusk-annex", "", 0))
                .relevance
                .exact_name_bonus,
            0.0
        );
        let scoped = explain(
            &ParsedQuery::parse("qv vault", 10),
            &doc("@quillon/qv-vault", "", 0),
        );
        assert_eq!(
            scoped.relevance.exact_name_bonus,
            WHOLE_NAME_BONUS * UNSCOPED_NAME_FACTOR
        );
        let plain = explain(&ParsedQuery::parse("qv vault", 10), &doc("qv-vault", "", 0));
        assert!(plain.relevance.exact_name_bonus > scoped.relevance.exact_name_bonus);
    }

    #[test]
    fn boosts_add_up() {
        let mut d = doc("x", "", 999);
        d.certified = true;
        d.tier = Tier::Select;
        d.rating = 4.5;
        let b = boosts(&d);
        assert_eq!(b.len(), 4);
        assert!((b[0].contribution - 2.0 * 3.0).abs() < 1e-9);
        assert!((static_boost(&d) - (6.0 + 9.0 + 6.0 + 2.0)).abs() < 1e-9);
    }
}
