//! Validation of partner applications, profile edits and certifications.

use mercato_shared::api::partners::{
    Certification, Motion, PartnerApplication, PartnerUpdate, Region,
};
use mercato_shared::validate::{self, HttpUrl, Slug, Validator};
use mercato_shared::FieldError;

pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 5_000;
pub const CERTIFICATIONS_MAX: usize = 20;
pub const CERTIFICATION_NAME_MAX: usize = 80;

#[derive(Debug, Clone)]
pub struct ValidApplication {
    pub slug: Slug,
    pub name: String,
    pub website: HttpUrl,
    pub logo_url: Option<HttpUrl>,
    pub description: String,
    pub motions: Vec<Motion>,
    pub regions: Vec<Region>,
}

pub fn parse_application(a: PartnerApplication) -> Result<ValidApplication, Vec<FieldError>> {
    let mut v = Validator::new();
    let slug = v.check("slug", Slug::parse(&a.slug));
    let name = v.check("name", validate::line(&a.name, 1, NAME_MAX));
    let website = v.check("website", HttpUrl::parse(&a.website));
    let logo_url = v.check_opt(
        "logo_url",
        a.logo_url.filter(|s| !s.trim().is_empty()),
        |s| HttpUrl::parse(&s),
    );
    let description = v.check(
        "description",
        validate::text(&a.description, 0, DESCRIPTION_MAX),
    );
    let motions = if a.motions.is_empty() {
        vec![Motion::Technology]
    } else {
        dedup(a.motions)
    };
    v.finish(|| {
        Some(ValidApplication {
            slug: slug?,
            name: name?,
            website: website?,
            logo_url: logo_url?,
            description: description?,
            motions,
            regions: dedup(a.regions),
        })
    })
}

/// A profile edit with every given field validated.
#[derive(Debug, Clone, Default)]
pub struct ValidUpdate {
    pub name: Option<String>,
    pub website: Option<Option<HttpUrl>>,
    pub logo_url: Option<Option<HttpUrl>>,
    pub description: Option<String>,
    pub motions: Option<Vec<Motion>>,
    pub regions: Option<Vec<Region>>,
}

pub fn parse_update(u: PartnerUpdate) -> Result<ValidUpdate, Vec<FieldError>> {
    let mut v = Validator::new();
    let name = v.check_opt("name", u.name, |s| validate::line(&s, 1, NAME_MAX));
    let website = match u.website {
        None => Some(None),
        Some(None) => Some(Some(None)),
        Some(Some(s)) => v
            .check("website", HttpUrl::parse(&s))
            .map(|u| Some(Some(u))),
    };
    let logo_url = match u.logo_url {
        None => Some(None),
        Some(None) => Some(Some(None)),
        Some(Some(s)) if s.trim().is_empty() => Some(Some(None)),
        Some(Some(s)) => v
            .check("logo_url", HttpUrl::parse(&s))
            .map(|u| Some(Some(u))),
    };
    let description = v.check_opt("description", u.description, |s| {
        validate::text(&s, 0, DESCRIPTION_MAX)
    });
    if let Some(m) = &u.motions {
        if m.is_empty() {
            v.push(
                "motions",
                validate::Invalid::new("required", "name at least one motion"),
            );
        }
    }
    v.finish(|| {
        Some(ValidUpdate {
            name: name?,
            website: website?,
            logo_url: logo_url?,
            description: description?,
            motions: u.motions.map(dedup),
            regions: u.regions.map(dedup),
        })
    })
}

pub fn parse_certifications(
    certs: Vec<Certification>,
) -> Result<Vec<Certification>, Vec<FieldError>> {
    let mut v = Validator::new();
    v.check(
        "certifications",
        validate::max_items(&certs, CERTIFICATIONS_MAX),
    );
    let mut out = Vec::with_capacity(certs.len());
    for (i, c) in certs.into_iter().enumerate() {
        let name = v.check(
            format!("certifications[{i}].name"),
            validate::line(&c.name, 1, CERTIFICATION_NAME_MAX),
        );
        if c.expires_on.is_some_and(|e| e <= c.issued_on) {
            v.push(
                format!("certifications[{i}].expires_on"),
                validate::Invalid::new("invalid_value", "must be after issued_on"),
            );
        }
        if let Some(name) = name {
            out.push(Certification { name, ..c });
        }
    }
    v.finish(|| Some(out))
}

/// Whether a certification is in force on `today`.
pub fn is_current(c: &Certification, today: chrono::NaiveDate) -> bool {
    c.issued_on <= today && c.expires_on.is_none_or(|e| e > today)
}

fn dedup<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items.dedup();
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn application_defaults_and_errors() {
        let ok = parse_application(PartnerApplication {
            slug: "acme".into(),
            name: "Acme".into(),
            website: "https://acme.example".into(),
            logo_url: Some("".into()),
            description: "".into(),
            motions: vec![],
            regions: vec![Region::Europe, Region::Europe],
        })
        .unwrap();
        assert_eq!(ok.motions, vec![Motion::Technology]);
        assert_eq!(ok.regions, vec![Region::Europe]);
        assert!(ok.logo_url.is_none());

        let errors = parse_application(PartnerApplication {
            slug: "Acme Inc".into(),
            name: "".into(),
            website: "acme".into(),
            logo_url: None,
            description: "".into(),
            motions: vec![],
            regions: vec![],
        })
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["slug", "name", "website"]);
    }

    #[test]
    fn certifications_need_sane_dates() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let errors = parse_certifications(vec![Certification {
            name: "Security".into(),
            issued_on: d("2026-01-01"),
            expires_on: Some(d("2025-01-01")),
        }])
        .unwrap_err();
        assert_eq!(errors[0].field, "certifications[0].expires_on");
        let c = Certification {
            name: "Security".into(),
            issued_on: d("2026-01-01"),
            expires_on: Some(d("2027-01-01")),
        };
        assert!(is_current(&c, d("2026-06-01")));
        assert!(!is_current(&c, d("2027-01-01")));
    }
}
