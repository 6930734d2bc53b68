//! The embedded engine: a tantivy index under `<data dir>/search/`.
//!
//! The ranking formula of `ranking.rs` is computed inside the index. Each query word is first
//! expanded, in one pass of a Levenshtein automaton over the index's vocabulary (a field holding
//! every word of every searchable field), into the words it may stand for with their typos
//! (and, for the last word, its completions). The word's clause is then a dis-max over
//! constant-score term clauses — each expansion × each field, scored `COVERAGE + weight ×
//! quality` — which are cheap exact lookups. A whole-name clause on the compact name and the
//! stored query-independent boost (added by the collector) complete the score. All words are
//! required first (an intersection); when that finds fewer listings than the page needs, the
//! last word becomes optional, then the one before, and so on (the "last" matching strategy
//! of Meilisearch; coverage still ranks the fuller matches first).
//!
//! Layout: `search/CURRENT` names the live index directory (`index-v<schema>-<id>`); an index
//! of an older schema version is replaced by a fresh one, which the worker builds. A rebuild
//! (`mercato reindex`) writes a fresh directory and then switches `CURRENT`; a running server
//! notices and reopens, so a rebuild never blocks searches.

mod directories;
mod expansion;
mod schema;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use anyhow::Context;
use async_trait::async_trait;
use mercato_shared::api::search::{FacetCount, Facets, Suggestion};
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Searcher, SegmentReader, TantivyDocument, Term};

use self::directories::Open;
use self::schema::{facet, Fields};
use super::ranking::Field;
use super::text::ParsedQuery;
use super::{SearchDocument, SearchIndex, SearchOutcome, SearchRequest};

pub struct TantivyIndex {
    root: PathBuf,
    fields: Fields,
    open: RwLock<Arc<Open>>,
}

impl TantivyIndex {
    fn filter_clauses(&self, filters: &super::Filters) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut must = |term: Term| {
            out.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    0.0,
                )),
            ))
        };
        if let Some(c) = &filters.category {
            must(Term::from_facet(f.category_facet, &facet(c)));
        }
        if let Some(p) = filters.pricing {
            must(Term::from_facet(f.pricing_facet, &facet(p.as_str())));
        }
        if let Some(b) = &filters.badge {
            must(Term::from_facet(f.badge_facet, &facet(b)));
        }
        if let Some(p) = &filters.partner {
            must(Term::from_field_text(f.partner_slug, p));
        }
        out
    }

    /// The query requiring `required` of the words (all filters always).
    fn build_query(
        &self,
        searcher: &Searcher,
        req: &SearchRequest,
        word_queries: &[Box<dyn Query>],
        fields: &[Field],
        required: usize,
    ) -> Box<dyn Query> {
        let mut clauses = self.filter_clauses(&req.filters);
        if req.query.is_empty() {
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(AllQuery), 0.0)),
            ));
        } else {
            // The first `required` words must match (an intersection, which skips through the
            // posting lists); the others still add to the score where they match.
            for (i, q) in word_queries.iter().enumerate() {
                let occur = if i < required {
                    Occur::Must
                } else {
                    Occur::Should
                };
                clauses.push((occur, q.box_clone()));
            }
            if fields.contains(&Field::Name) {
                clauses.push((Occur::Should, self.whole_name_query(searcher, &req.query)));
            }
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn run(
        &self,
        open: &Open,
        req: &SearchRequest,
        fields: &[Field],
    ) -> anyhow::Result<(Vec<SearchDocument>, u64, Facets)> {
        let searcher = open.reader.searcher();
        let window = req.offset + req.limit;
        let word_count = req.query.words.len().max(1);
        let mut required = word_count;
        let word_queries: Vec<Box<dyn Query>> = req
            .query
            .words
            .iter()
            .map(|w| self.word_query(&searcher, w, fields))
            .collect();
        // How many words must match: all, unless that finds fewer listings than the page needs.
        // Counting needs no scores, so these probes are plain intersections.
        while required > 1 && !req.query.is_empty() {
            let query = self.build_query(&searcher, req, &word_queries, fields, required);
            if searcher.search(&query, &Count)? >= window {
                break;
            }
            required -= 1;
        }
        {
            let query = self.build_query(&searcher, req, &word_queries, fields, required);
            let top = TopDocs::with_limit(window.max(1)).tweak_score(|segment: &SegmentReader| {
                let boost = segment
                    .fast_fields()
                    .f64("boost")
                    .map(|c| c.first_or_default_col(0.0))
                    .ok();
                move |doc, score: f32| score as f64 + boost.as_ref().map_or(0.0, |b| b.get_val(doc))
            });
            let (top, count, facets) = if req.facets {
                let mut categories = FacetCollector::for_field("category_facet");
                categories.add_facet("/");
                let mut pricing = FacetCollector::for_field("pricing_facet");
                pricing.add_facet("/");
                let mut badges = FacetCollector::for_field("badge_facet");
                badges.add_facet("/");
                let (top, (count, (c, p, b))) =
                    searcher.search(&query, &(top, (Count, (categories, pricing, badges))))?;
                let to_counts = |fc: &tantivy::collector::FacetCounts| -> Vec<FacetCount> {
                    let mut v: Vec<FacetCount> = fc
                        .get("/")
                        .map(|(facet, n)| FacetCount {
                            value: facet
                                .to_path()
                                .last()
                                .map(|s| s.to_string())
                                .unwrap_or_default(),
                            count: n,
                        })
                        .collect();
                    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                    v
                };
                (
                    top,
                    count,
                    Facets {
                        category: to_counts(&c),
                        pricing: to_counts(&p),
                        badge: to_counts(&b),
                    },
                )
            } else {
                let (top, count) = searcher.search(&query, &(top, Count))?;
                (top, count, Facets::default())
            };
            let docs = top
                .into_iter()
                .skip(req.offset)
                .map(|(_, addr)| self.stored(&searcher, addr))
                .collect::<anyhow::Result<Vec<_>>>()?;
            Ok((docs, count as u64, facets))
        }
    }

    fn stored(
        &self,
        searcher: &tantivy::Searcher,
        addr: DocAddress,
    ) -> anyhow::Result<SearchDocument> {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let bytes = doc
            .get_first(self.fields.document)
            .and_then(|v| v.as_bytes())
            .context("a search document without its stored copy")?;
        Ok(serde_json::from_slice(bytes)?)
    }
}

#[async_trait]
impl SearchIndex for TantivyIndex {
    fn engine(&self) -> &'static str {
        "tantivy"
    }

    fn identity(&self) -> String {
        format!("tantivy:{}", self.root.join(self.dir_name()).display())
    }

    fn follow_switch(&self) -> anyhow::Result<bool> {
        TantivyIndex::follow_switch(self)
    }

    async fn search(&self, req: &SearchRequest) -> anyhow::Result<SearchOutcome> {
        // Searches are short and CPU-bound: they run right here rather than paying for a hop
        // to the blocking pool.
        let open = self.current();
        let (docs, total, facets) = self.run(&open, req, &Field::ALL)?;
        Ok(SearchOutcome {
            hits: docs
                .iter()
                .map(|d| super::hit(d, &req.query, req.explain))
                .collect(),
            facets,
            estimated_total: total,
        })
    }

    async fn suggest(&self, query: &ParsedQuery, limit: usize) -> anyhow::Result<Vec<Suggestion>> {
        let open = self.current();
        let req = SearchRequest {
            query: query.clone(),
            filters: Default::default(),
            offset: 0,
            limit: limit * 2,
            explain: false,
            facets: false,
        };
        let (docs, _, _) = self.run(&open, &req, &[Field::Name, Field::UseCases])?;
        Ok(super::suggestions_from(&docs, query, limit))
    }

    async fn upsert(&self, docs: Vec<SearchDocument>) -> anyhow::Result<()> {
        let open = self.current();
        let writer = open
            .writer
            .lock()
            .map_err(|_| anyhow::anyhow!("writer poisoned"))?;
        for doc in &docs {
            writer.delete_term(Term::from_field_text(self.fields.slug, &doc.slug));
            writer.add_document(self.to_tantivy(doc)?)?;
        }
        Ok(())
    }

    async fn delete(&self, slugs: Vec<String>) -> anyhow::Result<()> {
        let open = self.current();
        let writer = open
            .writer
            .lock()
            .map_err(|_| anyhow::anyhow!("writer poisoned"))?;
        for slug in &slugs {
            writer.delete_term(Term::from_field_text(self.fields.slug, slug));
        }
        Ok(())
    }

    async fn clear(&self) -> anyhow::Result<()> {
        let open = self.current();
        let writer = open
            .writer
            .lock()
            .map_err(|_| anyhow::anyhow!("writer poisoned"))?;
        writer.delete_all_documents()?;
        Ok(())
    }

    async fn commit(&self) -> anyhow::Result<()> {
        let open = self.current();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut writer = open
                .writer
                .lock()
                .map_err(|_| anyhow::anyhow!("writer poisoned"))?;
            writer.commit()?;
            drop(writer);
            open.reader.reload()?;
            Ok(())
        })
        .await?
    }

    async fn document_count(&self) -> anyhow::Result<u64> {
        Ok(self.current().reader.searcher().num_docs())
    }
}
