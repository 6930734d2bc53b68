//! The index's schema: its fields, the analyzer they use, and a listing as a tantivy document.
//! [`SCHEMA_VERSION`] names the layout: an index of another version is rebuilt, not opened.

use tantivy::schema::{
    Facet, FacetOptions, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
    STRING,
};
use tantivy::TantivyDocument;

use super::TantivyIndex;
use crate::search::ranking::{self, Field};
use crate::search::text;
use crate::search::SearchDocument;

pub(super) const TOKENIZER: &str = "mercato";

#[derive(Clone, Copy)]
pub(super) struct Fields {
    pub(super) slug: tantivy::schema::Field,
    pub(super) name: tantivy::schema::Field,
    pub(super) name_compact: tantivy::schema::Field,
    /// The compact name of `@scope/name` without its scope.
    pub(super) name_unscoped: tantivy::schema::Field,
    pub(super) use_cases: tantivy::schema::Field,
    pub(super) tagline: tantivy::schema::Field,
    pub(super) categories: tantivy::schema::Field,
    pub(super) partner: tantivy::schema::Field,
    pub(super) description: tantivy::schema::Field,
    pub(super) category_facet: tantivy::schema::Field,
    pub(super) pricing_facet: tantivy::schema::Field,
    pub(super) badge_facet: tantivy::schema::Field,
    pub(super) partner_slug: tantivy::schema::Field,
    pub(super) boost: tantivy::schema::Field,
    pub(super) document: tantivy::schema::Field,
    /// Every word of the searchable fields: its term dictionary is the vocabulary query words
    /// are expanded against.
    pub(super) vocab: tantivy::schema::Field,
}

impl Fields {
    pub(super) fn text(&self, field: Field) -> tantivy::schema::Field {
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

pub(super) fn schema() -> (Schema, Fields) {
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

pub(super) fn facet(value: &str) -> Facet {
    Facet::from_path([value])
}

/// Bumped whenever the schema or the analyzer changes: an index of another version is not
/// opened but rebuilt (into a new directory, by the worker). 3: the compact names are folded
/// with the index's own folding (letters such as ł, š, ě were kept as they were). 4: taglines
/// and descriptions are indexed (and shown in snippets) as plain text, not Markdown.
pub(super) const SCHEMA_VERSION: u32 = 4;

impl TantivyIndex {
    pub(super) fn to_tantivy(&self, doc: &SearchDocument) -> anyhow::Result<TantivyDocument> {
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
}
