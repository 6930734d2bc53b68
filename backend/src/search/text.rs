//! Text handling shared by both engines and the ranking: the tokenizer (the tantivy index's own
//! analyzer: split on anything not alphanumeric, lowercase, fold to ASCII), query parsing with
//! the typo budget of each word, edit distance, and highlighting.

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, SimpleTokenizer, TextAnalyzer, TokenFilter, TokenStream,
    Tokenizer,
};

/// A word of a text, lowercased and folded, with its byte range in the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// The one definition of a word: what the index stores and what a query word is compared
/// with. Folding is tantivy's ASCII folding filter on both sides, so a letter it folds (ł, š,
/// ě, ş, …) can never be folded one way in the index and another way in a query.
fn words() -> impl Tokenizer {
    AsciiFoldingFilter.transform(LowerCaser.transform(SimpleTokenizer::default()))
}

/// The analyzer the tantivy index registers for its text fields.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::from(words())
}

/// Splits `text` into words, exactly as the index does.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut words = words();
    let mut stream = words.token_stream(text);
    let mut tokens = Vec::new();
    while let Some(token) = stream.next() {
        tokens.push(Token {
            text: token.text.clone(),
            start: token.offset_from,
            end: token.offset_to,
        });
    }
    tokens
}

/// The words of `text` joined without separators: `@quillon/qv-vault` → `quillonqvvault`.
/// Lets "walrus fen tusk" find `walrus-fen-tusk` and "zebuio" find `zebu.io`.
pub fn compact(text: &str) -> String {
    tokenize(text).into_iter().map(|t| t.text).collect()
}

/// The whole-name bonus of a match of the name without its scope, relative to the whole name.
pub const UNSCOPED_NAME_FACTOR: f64 = 0.8;

/// The compact name, and for scoped package-style names (`@scope/name`) the compact part after
/// the scope (which earns [`UNSCOPED_NAME_FACTOR`] of the bonus).
pub fn name_key_pair(name: &str) -> (String, Option<String>) {
    let full = compact(name);
    let unscoped = name
        .rsplit_once('/')
        .map(|(_, rest)| compact(rest))
        .filter(|u| !u.is_empty() && *u != full);
    (full, unscoped)
}

/// The compact forms a listing name is found by: the whole name, and for scoped package-style
/// names (`@scope/name`) the part after the scope.
pub fn name_keys(name: &str) -> Vec<String> {
    let mut keys = vec![compact(name)];
    if let Some((_, rest)) = name.rsplit_once('/') {
        let unscoped = compact(rest);
        if !unscoped.is_empty() && !keys.contains(&unscoped) {
            keys.push(unscoped);
        }
    }
    keys.retain(|k| !k.is_empty());
    keys
}

/// Typos a word may have and still match: none below 5 characters, one from 5, two from 9.
pub fn typo_budget(word: &str) -> u8 {
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// A word of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    pub text: String,
    pub max_typos: u8,
    /// The last word of a query typed without a trailing space also matches as a prefix
    /// (search-as-you-type).
    pub prefix: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedQuery {
    pub words: Vec<QueryWord>,
    /// All words joined (see [`compact`]).
    pub compact: String,
}

impl ParsedQuery {
    pub fn parse(q: &str, max_words: usize) -> ParsedQuery {
        let tokens = tokenize(q);
        let ends_mid_word = q.chars().last().is_some_and(|c| c.is_alphanumeric());
        let count = tokens.len().min(max_words);
        let mut words = Vec::with_capacity(count);
        let mut seen = std::collections::HashSet::new();
        for (i, t) in tokens.into_iter().take(count).enumerate() {
            let prefix = i + 1 == count && ends_mid_word;
            if !seen.insert(t.text.clone()) && !prefix {
                continue;
            }
            words.push(QueryWord {
                max_typos: typo_budget(&t.text),
                text: t.text,
                prefix,
            });
        }
        let compact = words.iter().map(|w| w.text.as_str()).collect();
        ParsedQuery { words, compact }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// Optimal-string-alignment distance (a transposition counts as one edit, as in tantivy's
/// Levenshtein automata), or `None` if it exceeds `max`.
pub fn distance_within(a: &str, b: &str, max: u8) -> Option<u8> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let max = max as usize;
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let (n, m) = (a.len(), b.len());
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[m];
    (d <= max).then_some(d as u8)
}

/// How a query word matches a text word: `(typos, as_prefix)`, or `None`.
pub fn word_match(word: &QueryWord, token: &str) -> Option<(u8, bool)> {
    if token == word.text {
        return Some((0, false));
    }
    if word.prefix && token.starts_with(word.text.as_str()) {
        return Some((0, true));
    }
    // Typos are forgiven in whole words only: a prefix with typos matches too much.
    if word.max_typos > 0 {
        if let Some(d) = distance_within(&word.text, token, word.max_typos) {
            return Some((d, false));
        }
    }
    None
}

/// Escapes text for HTML content and quoted attributes (the one escaper: highlighting, Markdown
/// and page rendering use it).
pub fn escape_html(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// `text`, HTML-escaped, with the words matching the query wrapped in `<mark>`. With
/// `window`, only about that many words around the first match are kept (with "…" marks);
/// an empty string comes back when nothing matched.
pub fn highlight(text: &str, query: &ParsedQuery, window: Option<usize>) -> String {
    let tokens = tokenize(text);
    let matched: Vec<bool> = tokens
        .iter()
        .map(|t| query.words.iter().any(|w| word_match(w, &t.text).is_some()))
        .collect();
    let (from, to) = match window {
        None => (0, tokens.len()),
        Some(size) => {
            let Some(first) = matched.iter().position(|m| *m) else {
                return String::new();
            };
            let from = first.saturating_sub(size / 4);
            (from, (from + size).min(tokens.len()))
        }
    };
    let mut out = String::with_capacity(text.len() + 32);
    if tokens.is_empty() {
        escape_html(text, &mut out);
        return out;
    }
    let start_byte = if from == 0 { 0 } else { tokens[from].start };
    let end_byte = if to == tokens.len() {
        text.len()
    } else {
        tokens[to - 1].end
    };
    if start_byte > 0 {
        out.push('…');
    }
    let mut pos = start_byte;
    for (token, is_match) in tokens[from..to].iter().zip(&matched[from..to]) {
        escape_html(&text[pos..token.start], &mut out);
        if *is_match {
            out.push_str("<mark>");
            escape_html(&text[token.start..token.end], &mut out);
            out.push_str("</mark>");
        } else {
            escape_html(&text[token.start..token.end], &mut out);
        }
        pos = token.end;
    }
    escape_html(&text[pos..end_byte], &mut out);
    if end_byte < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizes_like_the_index() {
        let words: Vec<_> = tokenize("@Quillon/QV-vault pâté, v2.1")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(words, vec!["quillon", "qv", "vault", "pate", "v2", "1"]);
        assert_eq!(compact("zebu.io"), "zebuio");
        assert_eq!(
            name_keys("@quillon/qv-vault"),
            vec!["quillonqvvault", "qvvault"]
        );
        assert_eq!(name_keys("gorse"), vec!["gorse"]);
    }

    #[test]
    fn folds_every_latin_letter_the_index_folds() {
        let words: Vec<_> = tokenize("Łódź Šťastný Žluť ěşk Ærø Straße")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(
            words,
            vec!["lodz", "stastny", "zlut", "esk", "aero", "strasse"]
        );
        assert_eq!(compact("Šťastný-Žluť"), "stastnyzlut");
        let q = ParsedQuery::parse("łódź ŠŤASTNÝ", 10);
        assert_eq!(q.words[0].text, "lodz");
        assert_eq!(q.words[1].text, "stastny");
        assert_eq!(q.compact, "lodzstastny");
    }

    #[test]
    fn query_words_are_the_index_words() {
        let mut index = analyzer();
        for text in [
            "Łódź Šťastný Žluť ěşk",
            "Ærø/Straße-ĳssel Œuvre",
            "Ça va? Ünïcödé 2½ ①",
        ] {
            let mut stream = index.token_stream(text);
            let mut indexed = Vec::new();
            while let Some(token) = stream.next() {
                indexed.push((token.text.clone(), token.offset_from, token.offset_to));
            }
            let queried: Vec<_> = tokenize(text)
                .into_iter()
                .map(|t| (t.text, t.start, t.end))
                .collect();
            assert_eq!(queried, indexed, "{text}");
        }
    }

    #[test]
    fn typo_budgets() {
        assert_eq!(typo_budget("plank"), 1);
        assert_eq!(typo_budget("nook"), 0);
        assert_eq!(typo_budget("quarrelsome"), 2);
    }

    #[test]
    fn distances() {
        assert_eq!(distance_within("marmlade", "marmalade", 1), Some(1));
        assert_eq!(
            distance_within("pnaic", "panic", 1),
            Some(1),
            "transposition"
        );
        assert_eq!(distance_within("grandeemarsh", "grandemarsh", 2), Some(1));
        assert_eq!(distance_within("abc", "xyz", 2), None);
        assert_eq!(distance_within("", "ab", 2), Some(2));
    }

    #[test]
    fn queries_know_their_last_word_is_a_prefix() {
        let q = ParsedQuery::parse("Ferry parcels qua", 10);
        assert_eq!(q.words.len(), 3);
        assert!(q.words[2].prefix && !q.words[0].prefix);
        assert_eq!(q.compact, "ferryparcelsqua");
        let q = ParsedQuery::parse("ferry parcels ", 10);
        assert!(!q.words[1].prefix, "a trailing space ends the word");
        assert_eq!(ParsedQuery::parse("a b c d", 2).words.len(), 2);
    }

    #[test]
    fn word_matching() {
        let q = ParsedQuery::parse("plnk", 10);
        assert_eq!(
            word_match(&q.words[0], "plank"),
            None,
            "4 letters: no typos"
        );
        let q = ParsedQuery::parse("quarrelsone yew", 10);
        assert_eq!(word_match(&q.words[0], "quarrelsome"), Some((1, false)));
        let q = ParsedQuery::parse("parc", 10);
        assert_eq!(word_match(&q.words[0], "parcels"), Some((0, true)));
        assert_eq!(word_match(&q.words[0], "parchment"), Some((0, true)));
    }

    #[test]
    fn highlights_escape_and_mark() {
        let q = ParsedQuery::parse("ferry plank", 10);
        assert_eq!(
            highlight("Ferry <b>parcels</b> to Plank!", &q, None),
            "<mark>Ferry</mark> &lt;b&gt;parcels&lt;/b&gt; to <mark>Plank</mark>!"
        );
        let long = format!("{} plank {}", "filler ".repeat(50), "tail ".repeat(50));
        let snippet = highlight(&long, &q, Some(10));
        assert!(
            snippet.starts_with('…') && snippet.ends_with('…'),
            "{snippet}"
        );
        assert!(snippet.contains("<mark>plank</mark>"));
        assert_eq!(highlight("nothing here", &q, Some(10)), "");
    }

    /// `cargo xtask bench-search` measures relevance on the dev query file; examples taken
    /// from it would make that measurement a target. No query or expected name of it may
    /// appear in the text or ranking code and their tests.
    #[test]
    fn no_example_is_taken_from_the_dev_queries() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data/search-queries-dev.tsv"
        );
        let dev = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        let sources = [include_str!("text.rs"), include_str!("ranking.rs")].map(str::to_lowercase);
        for row in dev.lines().skip(1) {
            for cell in row.split('\t').skip(1).take(2) {
                let cell = cell.trim().to_lowercase();
                if cell.chars().count() < 3 {
                    continue;
                }
                for source in &sources {
                    assert!(
                        !quotes_words(source, &cell),
                        "the dev query file is quoted: {cell:?}"
                    );
                }
            }
        }
    }

    /// Whether `needle` occurs in `haystack` with no letter or digit right before or after it.
    fn quotes_words(haystack: &str, needle: &str) -> bool {
        haystack.match_indices(needle).any(|(i, _)| {
            let before = haystack[..i].chars().next_back();
            let after = haystack[i + needle.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    }
}
