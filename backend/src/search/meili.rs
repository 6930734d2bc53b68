//! Meilisearch through `meilisearch-sdk` (used when `MEILISEARCH_URL` is set): the shared
//! engine for several Mercato instances.
//!
//! The adapter configures the index itself: searchable attributes in field-weight order,
//! filterable and sortable attributes, ranking rules ending in the stored boost, typo tolerance
//! with the same word-length thresholds as the embedded engine (none on descriptions), and
//! faceting. Meilisearch finds and orders the candidates; the top of them is then ranked by the
//! formula of `ranking.rs` (which Meilisearch cannot express: it has no additive boosts), so both
//! engines rank alike and `explain` tells the truth on both.

use std::collections::HashMap;
use std::sync::Mutex;

use anyhow::{bail, Context};
use async_trait::async_trait;
use meilisearch_sdk::client::Client;
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::search::Selectors;
use meilisearch_sdk::settings::{
    FacetingSettings, MinWordSizeForTypos, Settings, TypoToleranceSettings,
};
use meilisearch_sdk::task_info::TaskInfo;
use mercato_shared::api::search::{FacetCount, Facets, Suggestion};
use serde::{Deserialize, Serialize};

use super::ranking;
use super::text::{self, ParsedQuery};
use super::{SearchDocument, SearchIndex, SearchOutcome, SearchRequest};

/// How many of Meilisearch's best candidates are ranked by Mercato's formula.
const RERANK_WINDOW: usize = 100;

/// A document as Meilisearch holds it: the fields it searches, filters and sorts on, and the
/// full document to answer with.
#[derive(Debug, Serialize, Deserialize)]
struct MeiliDoc {
    slug: String,
    name: String,
    name_compact: Vec<String>,
    use_cases: Vec<String>,
    tagline: String,
    categories: Vec<String>,
    partner: String,
    description: String,
    category: Vec<String>,
    pricing: String,
    badge: Vec<String>,
    partner_slug: String,
    installs: i64,
    boost: f64,
    doc: SearchDocument,
}

#[derive(Debug, Deserialize)]
struct Retrieved {
    doc: SearchDocument,
}

impl From<SearchDocument> for MeiliDoc {
    fn from(doc: SearchDocument) -> Self {
        MeiliDoc {
            slug: doc.slug.clone(),
            name: doc.name.clone(),
            name_compact: text::name_keys(&doc.name),
            use_cases: doc.use_cases.clone(),
            tagline: doc.tagline.clone(),
            categories: doc.categories.iter().map(|(_, n)| n.clone()).collect(),
            partner: doc.partner_name.clone(),
            description: doc.description.clone(),
            category: doc.categories.iter().map(|(s, _)| s.clone()).collect(),
            pricing: doc.pricing.as_str().into(),
            badge: doc.badges.clone(),
            partner_slug: doc.partner_slug.clone(),
            installs: doc.installs,
            boost: ranking::static_boost(&doc),
            doc,
        }
    }
}

pub struct MeiliIndex {
    client: Client,
    index: Index,
    url: String,
    /// Tasks enqueued since the last commit.
    pending: Mutex<Vec<TaskInfo>>,
}

/// The index settings, in the order of `ranking::Field::ALL`.
fn settings() -> Settings {
    Settings::new()
        .with_searchable_attributes([
            "name",
            "name_compact",
            "use_cases",
            "tagline",
            "categories",
            "partner",
            "description",
        ])
        .with_filterable_attributes(["category", "pricing", "badge", "partner_slug"])
        .with_sortable_attributes(["boost", "installs"])
        .with_displayed_attributes(["doc"])
        .with_ranking_rules([
            "words",
            "typo",
            "proximity",
            "attribute",
            "sort",
            "exactness",
            "boost:desc",
        ])
        .with_typo_tolerance(TypoToleranceSettings {
            enabled: Some(true),
            disable_on_attributes: Some(vec!["description".into()]),
            disable_on_words: None,
            min_word_size_for_typos: Some(MinWordSizeForTypos {
                one_typo: Some(5),
                two_typos: Some(9),
            }),
            disable_on_numbers: None,
        })
        .with_faceting(FacetingSettings {
            max_values_per_facet: 100,
            sort_facet_values_by: None,
        })
}

fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

impl MeiliIndex {
    /// Connects, creates the index if needed and applies the settings.
    pub async fn connect(
        url: &str,
        api_key: Option<&str>,
        uid: &str,
    ) -> anyhow::Result<MeiliIndex> {
        let client = Client::new(url, api_key).context("creating the Meilisearch client")?;
        let task = client
            .create_index(uid, Some("slug"))
            .await
            .context("reaching Meilisearch")?;
        // "index already exists" is fine; anything else fails below when settings are applied.
        let _ = task.wait_for_completion(&client, None, None).await;
        let index = client.index(uid);
        let task = index
            .set_settings(&settings())
            .await
            .context("configuring the Meilisearch index")?;
        let done = task.wait_for_completion(&client, None, None).await?;
        if done.is_failure() {
            bail!(
                "Meilisearch refused the index settings: {:?}",
                done.unwrap_failure()
            );
        }
        Ok(MeiliIndex {
            client,
            index,
            url: format!("{url}/{uid}"),
            pending: Mutex::new(Vec::new()),
        })
    }

    pub fn identity(&self) -> String {
        format!("meilisearch:{}", self.url)
    }

    fn filter(filters: &super::Filters) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(c) = &filters.category {
            parts.push(format!("category = {}", quoted(c)));
        }
        if let Some(p) = filters.pricing {
            parts.push(format!("pricing = {}", quoted(p.as_str())));
        }
        if let Some(b) = &filters.badge {
            parts.push(format!("badge = {}", quoted(b)));
        }
        if let Some(p) = &filters.partner {
            parts.push(format!("partner_slug = {}", quoted(p)));
        }
        (!parts.is_empty()).then(|| parts.join(" AND "))
    }

    fn track(&self, task: TaskInfo) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.push(task);
        }
    }

    /// Candidates for a query: Meilisearch's top of them, ranked by Mercato's formula.
    async fn candidates(
        &self,
        query: &ParsedQuery,
        filters: &super::Filters,
        window: usize,
        attributes: Option<&[&str]>,
        facets: bool,
    ) -> anyhow::Result<(Vec<SearchDocument>, u64, Facets)> {
        let q: String = query
            .words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        // Keep a trailing space when the last word is complete, so Meilisearch does not treat
        // it as a prefix either.
        let q = if query.words.last().is_some_and(|w| !w.prefix) && !q.is_empty() {
            format!("{q} ")
        } else {
            q
        };
        let filter = Self::filter(filters);
        let facet_names = ["category", "pricing", "badge"];
        let sort = ["boost:desc"];
        let mut search = self.index.search();
        search
            .with_query(&q)
            .with_limit(window.max(RERANK_WINDOW))
            .with_offset(0);
        if let Some(f) = &filter {
            search.with_filter(f);
        }
        if facets {
            search.with_facets(Selectors::Some(&facet_names));
        }
        if query.is_empty() {
            search.with_sort(&sort);
        }
        if let Some(attrs) = attributes {
            search.with_attributes_to_search_on(attrs);
        }
        let results = search
            .execute::<Retrieved>()
            .await
            .context("searching Meilisearch")?;
        let total = results
            .estimated_total_hits
            .or(results.total_hits)
            .unwrap_or(results.hits.len()) as u64;
        let mut docs: Vec<SearchDocument> =
            results.hits.into_iter().map(|h| h.result.doc).collect();
        if !query.is_empty() {
            let mut scored: Vec<(f64, SearchDocument)> = docs
                .into_iter()
                .map(|d| (ranking::explain(query, &d).score, d))
                .collect();
            scored.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
            docs = scored.into_iter().map(|(_, d)| d).collect();
        }
        let distribution = results.facet_distribution.unwrap_or_default();
        let counts = |name: &str| -> Vec<FacetCount> {
            let mut v: Vec<FacetCount> = distribution
                .get(name)
                .map(|m: &HashMap<String, usize>| {
                    m.iter()
                        .map(|(value, n)| FacetCount {
                            value: value.clone(),
                            count: *n as u64,
                        })
                        .collect()
                })
                .unwrap_or_default();
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            v
        };
        let facets = Facets {
            category: counts("category"),
            pricing: counts("pricing"),
            badge: counts("badge"),
        };
        Ok((docs, total, facets))
    }
}

#[async_trait]
impl SearchIndex for MeiliIndex {
    fn engine(&self) -> &'static str {
        "meilisearch"
    }

    fn identity(&self) -> String {
        MeiliIndex::identity(self)
    }

    fn shared(&self) -> bool {
        true
    }

    async fn search(&self, req: &SearchRequest) -> anyhow::Result<SearchOutcome> {
        let window = req.offset + req.limit;
        let (docs, total, facets) = self
            .candidates(&req.query, &req.filters, window, None, req.facets)
            .await?;
        Ok(SearchOutcome {
            hits: docs
                .iter()
                .skip(req.offset)
                .take(req.limit)
                .map(|d| super::hit(d, &req.query, req.explain))
                .collect(),
            facets,
            estimated_total: total,
        })
    }

    async fn suggest(&self, query: &ParsedQuery, limit: usize) -> anyhow::Result<Vec<Suggestion>> {
        let (docs, _, _) = self
            .candidates(
                query,
                &Default::default(),
                limit * 2,
                Some(&["name", "name_compact", "use_cases"]),
                false,
            )
            .await?;
        Ok(super::suggestions_from(&docs, query, limit))
    }

    async fn upsert(&self, docs: Vec<SearchDocument>) -> anyhow::Result<()> {
        if docs.is_empty() {
            return Ok(());
        }
        let docs: Vec<MeiliDoc> = docs.into_iter().map(MeiliDoc::from).collect();
        let task = self.index.add_or_replace(&docs, Some("slug")).await?;
        self.track(task);
        Ok(())
    }

    async fn delete(&self, slugs: Vec<String>) -> anyhow::Result<()> {
        if slugs.is_empty() {
            return Ok(());
        }
        let task = self.index.delete_documents(&slugs).await?;
        self.track(task);
        Ok(())
    }

    async fn clear(&self) -> anyhow::Result<()> {
        let task = self.index.delete_all_documents().await?;
        self.track(task);
        Ok(())
    }

    async fn commit(&self) -> anyhow::Result<()> {
        let tasks: Vec<TaskInfo> = self
            .pending
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default();
        for task in tasks {
            let done = task
                .wait_for_completion(
                    &self.client,
                    None,
                    Some(std::time::Duration::from_secs(600)),
                )
                .await?;
            if done.is_failure() {
                bail!("a Meilisearch task failed: {:?}", done.unwrap_failure());
            }
        }
        Ok(())
    }

    async fn document_count(&self) -> anyhow::Result<u64> {
        Ok(self.index.get_stats().await?.number_of_documents as u64)
    }
}
