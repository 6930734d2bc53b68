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

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use anyhow::Context;
use async_trait::async_trait;
use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA};
use mercato_shared::api::search::{FacetCount, Facets, Suggestion};
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{
    Facet, FacetOptions, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST,
    STORED, STRING,
};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, SegmentReader,
    TantivyDocument, Term,
};

use super::ranking::{self, Field, COVERAGE, WHOLE_NAME_BONUS};
use super::text::{self, ParsedQuery, QueryWord};
use super::{SearchDocument, SearchIndex, SearchOutcome, SearchRequest};

const TOKENIZER: &str = "mercato";
/// Indexing memory budget per rebuild/worker writer.
const WRITER_BUDGET: usize = 64 * 1024 * 1024;

#[derive(Clone, Copy)]
struct Fields {
    slug: tantivy::schema::Field,
    name: tantivy::schema::Field,
    name_compact: tantivy::schema::Field,
    /// The compact name of `@scope/name` without its scope.
    name_unscoped: tantivy::schema::Field,
    use_cases: tantivy::schema::Field,
    tagline: tantivy::schema::Field,
    categories: tantivy::schema::Field,
    partner: tantivy::schema::Field,
    description: tantivy::schema::Field,
    category_facet: tantivy::schema::Field,
    pricing_facet: tantivy::schema::Field,
    badge_facet: tantivy::schema::Field,
    partner_slug: tantivy::schema::Field,
    boost: tantivy::schema::Field,
    document: tantivy::schema::Field,
    /// Every word of the searchable fields: its term dictionary is the vocabulary query words
    /// are expanded against.
    vocab: tantivy::schema::Field,
}

impl Fields {
    fn text(&self, field: Field) -> tantivy::schema::Field {
        match field {
            Field::Name => self.name,
            Field::UseCases => self.use_cases,
            Field::Tagline => self.tagline,
            Field::Categories => self.categories,
            Field::Partner => self.partner,
            Field::Description => self.description,
        }
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Which documents contain a word is all the ranking needs: no frequencies, no positions.
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::Basic),
    );
    let raw = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::Basic),
    );
    let fields = Fields {
        slug: b.add_text_field("slug", STRING),
        name: b.add_text_field("name", words.clone()),
        name_compact: b.add_text_field("name_compact", raw.clone()),
        name_unscoped: b.add_text_field("name_unscoped", raw),
        use_cases: b.add_text_field("use_cases", words.clone()),
        tagline: b.add_text_field("tagline", words.clone()),
        categories: b.add_text_field("categories", words.clone()),
        partner: b.add_text_field("partner", words.clone()),
        description: b.add_text_field("description", words.clone()),
        category_facet: b.add_facet_field("category_facet", FacetOptions::default()),
        pricing_facet: b.add_facet_field("pricing_facet", FacetOptions::default()),
        badge_facet: b.add_facet_field("badge_facet", FacetOptions::default()),
        partner_slug: b.add_text_field("partner_slug", STRING),
        boost: b.add_f64_field("boost", FAST),
        document: b.add_bytes_field("document", STORED),
        vocab: b.add_text_field("vocab", words),
    };
    (b.build(), fields)
}

fn facet(value: &str) -> Facet {
    Facet::from_path([value])
}

/// One opened index directory.
struct Open {
    dir_name: String,
    reader: IndexReader,
    writer: Mutex<IndexWriter<TantivyDocument>>,
}

pub struct TantivyIndex {
    root: PathBuf,
    fields: Fields,
    open: RwLock<Arc<Open>>,
}

fn open_dir(
    path: &Path,
    writer_threads: usize,
) -> anyhow::Result<(IndexReader, IndexWriter<TantivyDocument>)> {
    std::fs::create_dir_all(path).with_context(|| format!("creating {}", path.display()))?;
    let (schema, _) = schema();
    let dir = MmapDirectory::open(path).with_context(|| format!("opening {}", path.display()))?;
    let index = Index::open_or_create(dir, schema).context("opening the search index")?;
    index.tokenizers().register(TOKENIZER, text::analyzer());
    let writer = index
        .writer_with_num_threads(writer_threads, WRITER_BUDGET * writer_threads)
        .context("the search index is in use by another process")?;
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    Ok((reader, writer))
}

fn current_name(root: &Path) -> Option<String> {
    std::fs::read_to_string(root.join("CURRENT"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Bumped whenever the schema or the analyzer changes: an index of another version is not
/// opened but rebuilt (into a new directory, by the worker). 3: the compact names are folded
/// with the index's own folding (letters such as ł, š, ě were kept as they were).
const SCHEMA_VERSION: u32 = 3;

fn new_dir_name() -> String {
    format!(
        "index-v{SCHEMA_VERSION}-{}-{}",
        crate::clock::wall_now().format("%Y%m%d%H%M%S"),
        uuid::Uuid::new_v4().simple()
    )
}

impl TantivyIndex {
    /// Opens the live index under `root` (creating an empty one on first start).
    pub fn open(root: &Path) -> anyhow::Result<TantivyIndex> {
        std::fs::create_dir_all(root)?;
        let current = current_name(root)
            .filter(|name| name.starts_with(&format!("index-v{SCHEMA_VERSION}-")));
        let name = match current {
            Some(name) => name,
            None => {
                let name = new_dir_name();
                write_current(root, &name)?;
                name
            }
        };
        let (reader, writer) = open_dir(&root.join(&name), 1)?;
        let (_, fields) = schema();
        Ok(TantivyIndex {
            root: root.to_path_buf(),
            fields,
            open: RwLock::new(Arc::new(Open {
                dir_name: name,
                reader,
                writer: Mutex::new(writer),
            })),
        })
    }

    /// A new, empty index beside the live one, for a rebuild; [`promote`](Self::promote) makes
    /// it live.
    pub fn create_fresh(root: &Path) -> anyhow::Result<TantivyIndex> {
        std::fs::create_dir_all(root)?;
        let name = new_dir_name();
        let (reader, writer) = open_dir(&root.join(&name), 2)?;
        let (_, fields) = schema();
        Ok(TantivyIndex {
            root: root.to_path_buf(),
            fields,
            open: RwLock::new(Arc::new(Open {
                dir_name: name,
                reader,
                writer: Mutex::new(writer),
            })),
        })
    }

    /// Merges the index into one segment (faster searches after a bulk load) and makes it the
    /// live index.
    pub fn promote(self) -> anyhow::Result<String> {
        let open = self.current();
        {
            let mut writer = open
                .writer
                .lock()
                .map_err(|_| anyhow::anyhow!("writer poisoned"))?;
            let ids = open.reader.searcher().index().searchable_segment_ids()?;
            if ids.len() > 1 {
                writer.merge(&ids).wait()?;
            }
            writer.commit()?;
        }
        write_current(&self.root, &open.dir_name)?;
        Ok(open.dir_name.clone())
    }

    fn current(&self) -> Arc<Open> {
        self.open
            .read()
            .map(|g| g.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The identity of the live index directory (where the worker keeps its checkpoint).
    pub fn dir_name(&self) -> String {
        self.current().dir_name.clone()
    }

    /// If a rebuild switched `CURRENT` to another directory, reopens on it and removes the old
    /// one. Returns whether it switched.
    pub fn follow_switch(&self) -> anyhow::Result<bool> {
        let Some(name) = current_name(&self.root) else {
            return Ok(false);
        };
        let old = self.current();
        if name == old.dir_name {
            return Ok(false);
        }
        let (reader, writer) = open_dir(&self.root.join(&name), 1)?;
        *self
            .open
            .write()
            .map_err(|_| anyhow::anyhow!("index lock poisoned"))? = Arc::new(Open {
            dir_name: name,
            reader,
            writer: Mutex::new(writer),
        });
        let old_dir = self.root.join(&old.dir_name);
        drop(old);
        // Searches still holding the old reader keep their mmaps; removing is safe on Unix.
        let _ = std::fs::remove_dir_all(old_dir);
        Ok(true)
    }

    fn to_tantivy(&self, doc: &SearchDocument) -> anyhow::Result<TantivyDocument> {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_text(f.slug, &doc.slug);
        d.add_text(f.name, &doc.name);
        let (full, unscoped) = text::name_key_pair(&doc.name);
        d.add_text(f.name_compact, full);
        if let Some(unscoped) = unscoped {
            d.add_text(f.name_unscoped, unscoped);
        }
        for u in &doc.use_cases {
            d.add_text(f.use_cases, u);
        }
        d.add_text(f.tagline, &doc.tagline);
        for (slug, name) in &doc.categories {
            d.add_text(f.categories, name);
            d.add_facet(f.category_facet, facet(slug));
        }
        d.add_text(f.partner, &doc.partner_name);
        d.add_text(f.description, &doc.description);
        d.add_facet(f.pricing_facet, facet(doc.pricing.as_str()));
        for b in &doc.badges {
            d.add_facet(f.badge_facet, facet(b));
        }
        d.add_text(f.partner_slug, &doc.partner_slug);
        d.add_text(f.vocab, &doc.name);
        d.add_text(f.vocab, &doc.tagline);
        d.add_text(f.vocab, &doc.description);
        d.add_text(f.vocab, &doc.partner_name);
        for u in &doc.use_cases {
            d.add_text(f.vocab, u);
        }
        for (_, name) in &doc.categories {
            d.add_text(f.vocab, name);
        }
        d.add_f64(f.boost, ranking::static_boost(doc));
        d.add_bytes(f.document, &serde_json::to_vec(doc)?);
        Ok(d)
    }

    /// The words of the vocabulary a query word stands for: itself, the words within its typo
    /// budget, and for the last word its completions — best first, at most [`MAX_EXPANSIONS`].
    fn expansions(&self, searcher: &Searcher, word: &QueryWord) -> Vec<Expansion> {
        let mut found: HashMap<String, Expansion> = HashMap::new();
        found.insert(
            word.text.clone(),
            Expansion {
                term: word.text.clone(),
                typos: 0,
                prefix: false,
                doc_freq: u32::MAX,
            },
        );
        // Completions of very short words are too many to be useful: a prefix needs 2 letters.
        let prefix = word.prefix && word.text.chars().count() >= 2;
        let mut add = |term: &str, typos: u8, is_prefix: bool, doc_freq: u32| {
            let entry = found.entry(term.to_string()).or_insert(Expansion {
                term: term.to_string(),
                typos,
                prefix: is_prefix,
                doc_freq: 0,
            });
            if (typos, is_prefix) < (entry.typos, entry.prefix) {
                entry.typos = typos;
                entry.prefix = is_prefix;
            }
            entry.doc_freq = entry.doc_freq.saturating_add(doc_freq);
        };
        // Words within the typo budget, closest first, and first with the first letter kept
        // (typos there are rare, and pinning it prunes the automaton's walk over the vocabulary
        // to one branch). Only when a word has no neighbour that way is the first letter let go,
        // and only when it has none at one typo is a second typo tried — each step costs more
        // and finds words that would rank below closer ones anyway.
        let exact_docs: u64 = searcher
            .segment_readers()
            .iter()
            .filter_map(|segment| {
                segment
                    .inverted_index(self.fields.vocab)
                    .ok()
                    .and_then(|inv| inv.terms().get(word.text.as_bytes()).ok().flatten())
                    .map(|info| u64::from(info.doc_freq))
            })
            .sum();
        let exact = exact_docs > 0;
        // A word in more than one listing in 200 is a real word, not a slip: its typo
        // neighbours would only add noise (and large unions).
        let common = exact_docs * 200 > searcher.num_docs();
        // Adds the words at `distance` (first letter pinned or not); whether there were any.
        let mut neighbours = |distance: u8, pin_first: bool| -> bool {
            let dfa = lev_builder(distance).build_dfa(&word.text);
            let mut any = false;
            for segment in searcher.segment_readers() {
                let Ok(inverted) = segment.inverted_index(self.fields.vocab) else {
                    continue;
                };
                let automaton = Dfa {
                    dfa: &dfa,
                    first: pin_first.then(|| word.text.as_bytes()[0]),
                };
                let Ok(mut stream) = inverted.terms().search(automaton).into_stream() else {
                    continue;
                };
                while stream.advance() {
                    let Ok(term) = std::str::from_utf8(stream.key()) else {
                        continue;
                    };
                    if let Distance::Exact(d) = dfa.eval(term) {
                        if d > 0 {
                            any = true;
                            add(term, d, false, stream.value().doc_freq);
                        }
                    }
                }
            }
            any
        };
        if word.max_typos >= 1 && !common {
            let one = neighbours(1, true) || (!exact && neighbours(1, false));
            if word.max_typos >= 2 && !one && !exact && !neighbours(2, true) {
                neighbours(2, false);
            }
        }
        for segment in searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(self.fields.vocab) else {
                continue;
            };
            // Completions of the last word: a range of the sorted vocabulary.
            if prefix {
                let mut end = word.text.clone().into_bytes();
                end.push(0xff);
                if let Ok(mut stream) = inverted
                    .terms()
                    .range()
                    .ge(word.text.as_bytes())
                    .lt(&end)
                    .into_stream()
                {
                    let mut scanned = 0;
                    while scanned < MAX_SCAN && stream.advance() {
                        scanned += 1;
                        let Ok(term) = std::str::from_utf8(stream.key()) else {
                            continue;
                        };
                        add(term, 0, term != word.text, stream.value().doc_freq);
                    }
                }
            }
        }
        let mut all: Vec<Expansion> = found.into_values().collect();
        all.sort_by(|a, b| {
            (a.typos, a.prefix, std::cmp::Reverse(a.doc_freq), &a.term).cmp(&(
                b.typos,
                b.prefix,
                std::cmp::Reverse(b.doc_freq),
                &b.term,
            ))
        });
        all.truncate(MAX_EXPANSIONS);
        all
    }

    /// The dis-max of all the ways one query word can match, over `fields`.
    fn word_query(
        &self,
        searcher: &Searcher,
        word: &QueryWord,
        fields: &[Field],
    ) -> Box<dyn Query> {
        let mut clauses: Vec<Box<dyn Query>> = Vec::new();
        for expansion in self.expansions(searcher, word) {
            let quality = ranking::match_quality(expansion.typos, expansion.prefix);
            for &field in fields {
                if expansion.typos > 0 && !field.typo_tolerant() {
                    continue;
                }
                let term = Term::from_field_text(self.fields.text(field), &expansion.term);
                clauses.push(Box::new(ConstScoreQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    (COVERAGE + field.weight() * quality) as f32,
                )));
            }
        }
        Box::new(DisjunctionMaxQuery::new(clauses))
    }

    fn whole_name_query(&self, searcher: &Searcher, query: &ParsedQuery) -> Box<dyn Query> {
        // One typo at most on the whole name: enough for names typed with a slip, and a
        // two-typo automaton over every name costs more than the rest of the query.
        let budget = text::typo_budget(&query.compact).min(1);
        let mut clauses: Vec<Box<dyn Query>> = Vec::new();
        let keys = [
            (self.fields.name_compact, 1.0),
            (self.fields.name_unscoped, text::UNSCOPED_NAME_FACTOR),
        ];
        for (field, factor) in keys {
            let bonus =
                |d: u8| (factor * WHOLE_NAME_BONUS * ranking::match_quality(d, false)) as f32;
            clauses.push(Box::new(ConstScoreQuery::new(
                Box::new(TermQuery::new(
                    Term::from_field_text(field, &query.compact),
                    IndexRecordOption::Basic,
                )),
                bonus(0),
            )));
            if budget == 0 {
                continue;
            }
            let dfa = lev_builder(budget).build_dfa(&query.compact);
            for segment in searcher.segment_readers() {
                let Ok(inverted) = segment.inverted_index(field) else {
                    continue;
                };
                let automaton = Dfa {
                    dfa: &dfa,
                    first: None,
                };
                let Ok(mut stream) = inverted.terms().search(automaton).into_stream() else {
                    continue;
                };
                let mut scanned = 0;
                while scanned < MAX_EXPANSIONS && stream.advance() {
                    scanned += 1;
                    let Ok(term) = std::str::from_utf8(stream.key()) else {
                        continue;
                    };
                    if let Some(d) =
                        text::distance_within(&query.compact, term, budget).filter(|d| *d > 0)
                    {
                        clauses.push(Box::new(ConstScoreQuery::new(
                            Box::new(TermQuery::new(
                                Term::from_field_text(field, term),
                                IndexRecordOption::Basic,
                            )),
                            bonus(d),
                        )));
                    }
                }
            }
        }
        Box::new(DisjunctionMaxQuery::new(clauses))
    }

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

/// How many vocabulary words one query word may stand for.
const MAX_EXPANSIONS: usize = 24;
/// How many vocabulary words an expansion looks at, at most (short prefixes match thousands).
const MAX_SCAN: usize = 4096;

struct Expansion {
    term: String,
    typos: u8,
    prefix: bool,
    doc_freq: u32,
}

/// Levenshtein automaton builders are costly to make and reusable: one per distance.
fn lev_builder(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static BUILDERS: OnceLock<[LevenshteinAutomatonBuilder; 3]> = OnceLock::new();
    let builders =
        BUILDERS.get_or_init(|| [0, 1, 2].map(|d| LevenshteinAutomatonBuilder::new(d, true)));
    &builders[usize::from(distance.min(2))]
}

/// A Levenshtein DFA as an automaton over the term dictionary, optionally only for words that
/// start with a given byte.
struct Dfa<'a> {
    dfa: &'a DFA,
    first: Option<u8>,
}

impl tantivy_fst::Automaton for Dfa<'_> {
    /// The DFA state, and whether the first byte is still to come.
    type State = (u32, bool);

    fn start(&self) -> (u32, bool) {
        (self.dfa.initial_state(), true)
    }

    fn is_match(&self, state: &(u32, bool)) -> bool {
        !state.1 && matches!(self.dfa.distance(state.0), Distance::Exact(_))
    }

    fn can_match(&self, state: &(u32, bool)) -> bool {
        state.0 != levenshtein_automata::SINK_STATE
    }

    fn accept(&self, state: &(u32, bool), byte: u8) -> (u32, bool) {
        if state.1 && self.first.is_some_and(|f| f != byte) {
            return (levenshtein_automata::SINK_STATE, false);
        }
        (self.dfa.transition(state.0, byte), false)
    }
}

fn write_current(root: &Path, name: &str) -> anyhow::Result<()> {
    let tmp = root.join("CURRENT.tmp");
    std::fs::write(&tmp, name)?;
    std::fs::rename(&tmp, root.join("CURRENT"))?;
    Ok(())
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
