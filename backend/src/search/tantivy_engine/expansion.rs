//! Query expansion: each query word stands for the vocabulary words within its typo budget
//! (and, for the last word, its completions), found in one pass of a Levenshtein automaton over
//! the term dictionary; a word's clause is the dis-max of those words over the fields, and the
//! whole-name clause matches the compact name with at most one typo.

use std::collections::HashMap;
use std::sync::OnceLock;

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA};
use tantivy::query::{ConstScoreQuery, DisjunctionMaxQuery, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Searcher, Term};

use super::TantivyIndex;
use crate::search::ranking::{self, Field, COVERAGE, WHOLE_NAME_BONUS};
use crate::search::text::{self, ParsedQuery, QueryWord};

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

impl TantivyIndex {
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
    pub(super) fn word_query(
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

    pub(super) fn whole_name_query(
        &self,
        searcher: &Searcher,
        query: &ParsedQuery,
    ) -> Box<dyn Query> {
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
}
