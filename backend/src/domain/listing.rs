//! Validation of listing content, and the conversions between the stored row and the API's
//! `ListingContent`.

use mercato_shared::api::listings::{
    limits, CreateListing, ListingContent, ListingPatch, Pricing, Screenshot,
};
use mercato_shared::validate::{self, HttpUrl, Invalid, Slug, Validator};
use mercato_shared::FieldError;

use crate::entities::json::{Screenshots, StringList};
use crate::entities::listings;

/// Listing content that passed every rule. Only [`ValidListingContent::parse`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidListingContent(ListingContent);

impl ValidListingContent {
    pub fn parse(content: ListingContent) -> Result<Self, Vec<FieldError>> {
        let mut v = Validator::new();
        let name = v.check("name", validate::line(&content.name, 1, limits::NAME_MAX));
        let tagline = v.check(
            "tagline",
            validate::line(&content.tagline, 1, limits::TAGLINE_MAX),
        );
        let description = v.check(
            "description",
            validate::text(&content.description, 0, limits::DESCRIPTION_MAX),
        );

        let categories = list(
            &mut v,
            "categories",
            &content.categories,
            limits::CATEGORIES_MAX,
            |s| Slug::parse(s).map(Slug::into_inner),
        );
        let use_cases = list(
            &mut v,
            "use_cases",
            &content.use_cases,
            limits::USE_CASES_MAX,
            |s| validate::line(s, 2, limits::USE_CASE_MAX),
        );
        let screenshots = {
            let ok = v.check(
                "screenshots",
                validate::max_items(&content.screenshots, limits::SCREENSHOTS_MAX),
            );
            let mut out = Vec::with_capacity(content.screenshots.len());
            for (i, s) in content.screenshots.iter().enumerate() {
                let url = v.check(format!("screenshots[{i}].url"), HttpUrl::parse(&s.url));
                let alt = v.check(
                    format!("screenshots[{i}].alt"),
                    validate::line(&s.alt, 1, limits::ALT_MAX),
                );
                if let (Some(url), Some(alt)) = (url, alt) {
                    out.push(Screenshot {
                        url: url.into_inner(),
                        alt,
                    });
                }
            }
            ok.map(|_| out)
        };
        let video_url = optional_url(&mut v, "video_url", content.video_url);
        let install_url = optional_url(&mut v, "install_url", content.install_url);
        let support_url = optional_url(&mut v, "support_url", content.support_url);
        let documentation_url =
            optional_url(&mut v, "documentation_url", content.documentation_url);
        let privacy_policy_url =
            optional_url(&mut v, "privacy_policy_url", content.privacy_policy_url);
        let pricing_details = v.check_opt(
            "pricing.details",
            content.pricing.details.filter(|d| !d.trim().is_empty()),
            |d| validate::line(&d, 1, limits::PRICING_DETAILS_MAX),
        );
        let pricing_model = content.pricing.model;

        v.finish(|| {
            Some(ValidListingContent(ListingContent {
                name: name?,
                tagline: tagline?,
                description: description?,
                categories: categories?,
                use_cases: use_cases?,
                screenshots: screenshots?,
                video_url: video_url?,
                install_url: install_url?,
                pricing: Pricing {
                    model: pricing_model,
                    details: pricing_details?,
                },
                support_url: support_url?,
                documentation_url: documentation_url?,
                privacy_policy_url: privacy_policy_url?,
            }))
        })
    }

    pub fn content(&self) -> &ListingContent {
        &self.0
    }

    pub fn into_content(self) -> ListingContent {
        self.0
    }

    /// Writes the content into a listing row.
    pub fn apply_to(&self, row: &mut listings::ActiveModel) {
        write_content(row, &self.0);
    }
}

/// Writes content into a listing row (categories live in their join table). Content reaches a
/// row only validated: through [`ValidListingContent::apply_to`], or as an approved revision,
/// validated when it was saved.
pub fn write_content(row: &mut listings::ActiveModel, c: &ListingContent) {
    use sea_orm::Set;
    row.name = Set(c.name.clone());
    row.tagline = Set(c.tagline.clone());
    row.description = Set(c.description.clone());
    row.use_cases = Set(StringList(c.use_cases.clone()));
    row.screenshots = Set(Screenshots(c.screenshots.clone()));
    row.video_url = Set(c.video_url.clone());
    row.install_url = Set(c.install_url.clone());
    row.pricing_model = Set(c.pricing.model);
    row.pricing_details = Set(c.pricing.details.clone());
    row.support_url = Set(c.support_url.clone());
    row.documentation_url = Set(c.documentation_url.clone());
    row.privacy_policy_url = Set(c.privacy_policy_url.clone());
}

/// Validates each item of a list (dropping exact duplicates, case-insensitively).
fn list(
    v: &mut Validator,
    field: &str,
    items: &[String],
    max: usize,
    parse: impl Fn(&str) -> Result<String, Invalid>,
) -> Option<Vec<String>> {
    let ok = v.check(field, validate::max_items(items, max));
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    let mut failed = false;
    for (i, item) in items.iter().enumerate() {
        match v.check(format!("{field}[{i}]"), parse(item)) {
            Some(value) => {
                if !out.iter().any(|o| o.eq_ignore_ascii_case(&value)) {
                    out.push(value);
                }
            }
            None => failed = true,
        }
    }
    ok.filter(|_| !failed).map(|_| out)
}

/// An optional URL; an empty string counts as absent (what a cleared form field sends).
fn optional_url(v: &mut Validator, field: &str, value: Option<String>) -> Option<Option<String>> {
    v.check_opt(field, value.filter(|s| !s.trim().is_empty()), |s| {
        HttpUrl::parse(&s).map(HttpUrl::into_inner)
    })
}

/// The content part of a create request.
pub fn content_of_create(req: &CreateListing) -> ListingContent {
    ListingContent {
        name: req.name.clone(),
        tagline: req.tagline.clone(),
        description: req.description.clone(),
        categories: req.categories.clone(),
        use_cases: req.use_cases.clone(),
        screenshots: req.screenshots.clone(),
        video_url: req.video_url.clone(),
        install_url: req.install_url.clone(),
        pricing: req.pricing.clone(),
        support_url: req.support_url.clone(),
        documentation_url: req.documentation_url.clone(),
        privacy_policy_url: req.privacy_policy_url.clone(),
    }
}

/// `base` with the patch's fields replaced.
pub fn apply_patch(mut base: ListingContent, patch: ListingPatch) -> ListingContent {
    if let Some(v) = patch.name {
        base.name = v;
    }
    if let Some(v) = patch.tagline {
        base.tagline = v;
    }
    if let Some(v) = patch.description {
        base.description = v;
    }
    if let Some(v) = patch.categories {
        base.categories = v;
    }
    if let Some(v) = patch.use_cases {
        base.use_cases = v;
    }
    if let Some(v) = patch.screenshots {
        base.screenshots = v;
    }
    if let Some(v) = patch.video_url {
        base.video_url = v;
    }
    if let Some(v) = patch.install_url {
        base.install_url = v;
    }
    if let Some(v) = patch.pricing {
        base.pricing = v;
    }
    if let Some(v) = patch.support_url {
        base.support_url = v;
    }
    if let Some(v) = patch.documentation_url {
        base.documentation_url = v;
    }
    if let Some(v) = patch.privacy_policy_url {
        base.privacy_policy_url = v;
    }
    base
}

/// The content stored in a listing row (categories come from the join table).
pub fn content_of_row(row: &listings::Model, categories: Vec<String>) -> ListingContent {
    ListingContent {
        name: row.name.clone(),
        tagline: row.tagline.clone(),
        description: row.description.clone(),
        categories,
        use_cases: row.use_cases.0.clone(),
        screenshots: row.screenshots.0.clone(),
        video_url: row.video_url.clone(),
        install_url: row.install_url.clone(),
        pricing: Pricing {
            model: row.pricing_model,
            details: row.pricing_details.clone(),
        },
        support_url: row.support_url.clone(),
        documentation_url: row.documentation_url.clone(),
        privacy_policy_url: row.privacy_policy_url.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> ListingContent {
        ListingContent {
            name: " Invoice Sync ".into(),
            tagline: "Sync invoices to Slack".into(),
            description: "# Hello".into(),
            categories: vec!["finance".into(), "finance".into()],
            use_cases: vec![
                "sync invoices to slack".into(),
                "Sync Invoices To Slack".into(),
            ],
            screenshots: vec![Screenshot {
                url: "https://example.com/a.png".into(),
                alt: "The settings page".into(),
            }],
            video_url: Some("".into()),
            install_url: Some("https://example.com/install".into()),
            pricing: Pricing::default(),
            support_url: None,
            documentation_url: None,
            privacy_policy_url: None,
        }
    }

    #[test]
    fn valid_content_is_normalised() {
        let c = ValidListingContent::parse(content())
            .unwrap()
            .into_content();
        assert_eq!(c.name, "Invoice Sync");
        assert_eq!(c.categories, vec!["finance"]);
        assert_eq!(c.use_cases.len(), 1);
        assert_eq!(c.video_url, None);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let mut c = content();
        c.name = "".into();
        c.tagline = "x".repeat(161);
        c.categories = vec!["Not A Slug".into()];
        c.screenshots[0].url = "javascript:alert(1)".into();
        c.screenshots[0].alt = "".into();
        c.install_url = Some("ftp://x".into());
        c.use_cases = (0..21).map(|i| format!("case {i}")).collect();
        let errors = ValidListingContent::parse(c).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "name",
            "tagline",
            "categories[0]",
            "screenshots[0].url",
            "screenshots[0].alt",
            "install_url",
            "use_cases",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn patches_replace_only_given_fields() {
        let patch = ListingPatch {
            tagline: Some("New".into()),
            install_url: Some(None),
            ..Default::default()
        };
        let c = apply_patch(content(), patch);
        assert_eq!(c.tagline, "New");
        assert_eq!(c.install_url, None);
        assert_eq!(c.name, " Invoice Sync ");
    }
}
