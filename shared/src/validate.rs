//! Validation rules and the validated types that carry them.
//!
//! Requests arrive as plain strings (so that every offending field can be reported at once,
//! not just the first); handlers turn them into these types with [`Validator`], and past that
//! point an invalid value cannot exist. The web app uses the same rules to check forms before
//! it sends them.

use std::fmt;

use crate::error::FieldError;

/// Why a single value is invalid: a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Invalid {
            code,
            message: message.into(),
        }
    }
}

/// Collects field errors while a request is parsed into validated types.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the error of `result` under `field` and returns the value if there was none.
    pub fn check<T>(&mut self, field: impl Into<String>, result: Result<T, Invalid>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(invalid) => {
                self.errors.push(FieldError {
                    field: field.into(),
                    code: invalid.code.to_string(),
                    message: invalid.message,
                });
                None
            }
        }
    }

    /// Like [`check`](Self::check) for optional fields: `None` stays `None`.
    pub fn check_opt<T, U>(
        &mut self,
        field: impl Into<String>,
        value: Option<U>,
        parse: impl FnOnce(U) -> Result<T, Invalid>,
    ) -> Option<Option<T>> {
        match value {
            None => Some(None),
            Some(v) => self.check(field, parse(v)).map(Some),
        }
    }

    pub fn push(&mut self, field: impl Into<String>, invalid: Invalid) {
        self.check::<()>(field, Err(invalid));
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(value)` when nothing was recorded, the errors otherwise. Call it with the value
    /// built from the `check` results (`Option`s that are all `Some` when there were no errors).
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() {
            // Every check passed, so every Option the closure unwraps is Some.
            build().ok_or_else(Vec::new)
        } else {
            Err(self.errors)
        }
    }

    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }
}

macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Invalid;
            fn try_from(value: String) -> Result<Self, Invalid> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}

pub const SLUG_MAX: usize = 100;

string_newtype!(
    /// A URL-safe identifier: lowercase ASCII letters and digits in groups joined by single
    /// hyphens, 1 to 100 characters (`sync-invoices`, `salesforce`, `2fa`).
    Slug
);

impl Slug {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        if s.is_empty() {
            return Err(Invalid::new("required", "must not be empty"));
        }
        if s.len() > SLUG_MAX {
            return Err(Invalid::new(
                "too_long",
                format!("must be at most {SLUG_MAX} characters"),
            ));
        }
        let well_formed = s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if !well_formed {
            return Err(Invalid::new(
                "invalid_slug",
                "must be lowercase letters and digits, in groups joined by single hyphens",
            ));
        }
        Ok(Slug(s.to_string()))
    }

    /// Derives a slug from free text ("Acme Cloud, Inc." → `acme-cloud-inc`); `None` when the
    /// text has no letters or digits.
    pub fn slugify(text: &str) -> Option<Self> {
        let mut out = String::with_capacity(text.len());
        for c in text.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        while out.ends_with('-') {
            out.pop();
        }
        out.truncate(SLUG_MAX);
        while out.ends_with('-') {
            out.pop();
        }
        Slug::parse(&out).ok()
    }
}

pub const EMAIL_MAX: usize = 254;

string_newtype!(
    /// An email address, trimmed and lowercased, with a plausible local part and domain.
    Email
);

impl Email {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Invalid::new("required", "must not be empty"));
        }
        if s.len() > EMAIL_MAX {
            return Err(Invalid::new(
                "too_long",
                format!("must be at most {EMAIL_MAX} characters"),
            ));
        }
        let invalid = || {
            Invalid::new(
                "invalid_email",
                "must be an email address like name@example.com",
            )
        };
        let (local, domain) = s.rsplit_once('@').ok_or_else(invalid)?;
        if local.is_empty()
            || local.len() > 64
            || local.contains('@')
            || local.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid());
        }
        if !is_domain_name(domain) || !domain.contains('.') {
            return Err(invalid());
        }
        Ok(Email(s.to_lowercase()))
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

fn is_domain_name(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

pub const URL_MAX: usize = 2048;

string_newtype!(
    /// An absolute `http` or `https` URL with a host, at most 2048 characters.
    HttpUrl
);

impl HttpUrl {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Invalid::new("required", "must not be empty"));
        }
        if s.len() > URL_MAX {
            return Err(Invalid::new(
                "too_long",
                format!("must be at most {URL_MAX} characters"),
            ));
        }
        let invalid = || Invalid::new("invalid_url", "must be an absolute http:// or https:// URL");
        let lower = s.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
            .ok_or_else(invalid)?;
        if s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == '"')
        {
            return Err(invalid());
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = if let Some(bracketed) = host_port.strip_prefix('[') {
            // IPv6 literal
            let (inner, _) = bracketed.split_once(']').ok_or_else(invalid)?;
            if inner.is_empty()
                || !inner
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
            {
                return Err(invalid());
            }
            return Ok(HttpUrl(s.to_string()));
        } else {
            match host_port.rsplit_once(':') {
                Some((host, port)) => {
                    if port.is_empty() || port.parse::<u16>().is_err() {
                        return Err(invalid());
                    }
                    host
                }
                None => host_port,
            }
        };
        if !is_domain_name(host) {
            return Err(invalid());
        }
        Ok(HttpUrl(s.to_string()))
    }
}

/// Trims `s` and checks its length in characters is within `min..=max`.
pub fn text(s: &str, min: usize, max: usize) -> Result<String, Invalid> {
    let t = s.trim();
    let len = t.chars().count();
    if len == 0 && min > 0 {
        return Err(Invalid::new("required", "must not be empty"));
    }
    if len < min {
        return Err(Invalid::new(
            "too_short",
            format!("must be at least {min} characters"),
        ));
    }
    if len > max {
        return Err(Invalid::new(
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Invalid::new(
            "invalid_characters",
            "must not contain control characters",
        ));
    }
    Ok(t.to_string())
}

/// Like [`text`] for a single line: no line breaks allowed.
pub fn line(s: &str, min: usize, max: usize) -> Result<String, Invalid> {
    let t = text(s, min, max)?;
    if t.contains(['\n', '\r', '\t']) {
        return Err(Invalid::new("invalid_characters", "must be a single line"));
    }
    Ok(t)
}

/// Checks a list's length.
pub fn max_items<T>(items: &[T], max: usize) -> Result<(), Invalid> {
    if items.len() > max {
        Err(Invalid::new(
            "too_many",
            format!("must have at most {max} items"),
        ))
    } else {
        Ok(())
    }
}

pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 128;

/// Password rules: 10 to 128 characters. Length is what makes passwords strong; composition
/// rules are not imposed (NIST SP 800-63B).
pub fn password(s: &str) -> Result<(), Invalid> {
    let len = s.chars().count();
    if len < PASSWORD_MIN {
        return Err(Invalid::new(
            "too_short",
            format!("must be at least {PASSWORD_MIN} characters"),
        ));
    }
    if len > PASSWORD_MAX {
        return Err(Invalid::new(
            "too_long",
            format!("must be at most {PASSWORD_MAX} characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn slugs() {
        for ok in ["a", "sync-invoices", "2fa", "a1-b2-c3"] {
            assert!(Slug::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "A",
            "a b",
            "a_b",
            "é",
            &"a".repeat(101),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn slugify_makes_valid_slugs() {
        assert_eq!(
            Slug::slugify("Acme Cloud, Inc.").unwrap().as_str(),
            "acme-cloud-inc"
        );
        assert_eq!(
            Slug::slugify("  --HubSpot--  ").unwrap().as_str(),
            "hubspot"
        );
        assert!(Slug::slugify("!!!").is_none());
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        assert_eq!(
            Email::parse("ada@example.com").unwrap().domain(),
            "example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@-x.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls() {
        for ok in [
            "https://example.com",
            "http://example.com:8080/path?q=1#x",
            "https://sub.example.co.uk/a",
            "https://[::1]:8080/",
            "http://localhost",
        ] {
            assert!(HttpUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "example.com",
            "ftp://example.com",
            "javascript:alert(1)",
            "https://",
            "https://exa mple.com",
            "https://example.com:99999",
            "https://-bad.com",
        ] {
            assert!(HttpUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_lengths() {
        assert_eq!(text("  hi  ", 1, 5).unwrap(), "hi");
        assert_eq!(text("", 1, 5).unwrap_err().code, "required");
        assert_eq!(text("toolong", 1, 5).unwrap_err().code, "too_long");
        assert_eq!(line("a\nb", 1, 5).unwrap_err().code, "invalid_characters");
        assert_eq!(
            text("a\u{0}b", 1, 5).unwrap_err().code,
            "invalid_characters"
        );
    }

    #[test]
    fn validator_collects_every_error() {
        let mut v = Validator::new();
        let a = v.check("a", Slug::parse("Bad"));
        let b = v.check("b", Email::parse("nope"));
        let errors = v.finish(|| Some((a?, b?))).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field, "a");
        assert_eq!(errors[1].code, "invalid_email");
    }

    proptest! {
        #[test]
        fn parsed_slugs_round_trip(s in "[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,3}") {
            let slug = Slug::parse(&s).unwrap();
            prop_assert_eq!(slug.as_str(), s.as_str());
        }

        #[test]
        fn slug_parse_never_panics_and_accepts_only_the_alphabet(s in "\\PC{0,120}") {
            if let Ok(slug) = Slug::parse(&s) {
                prop_assert!(slug.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
                prop_assert!(!slug.as_str().starts_with('-') && !slug.as_str().ends_with('-'));
            }
        }

        #[test]
        fn slugify_output_always_parses(s in "\\PC{0,200}") {
            if let Some(slug) = Slug::slugify(&s) {
                prop_assert!(Slug::parse(slug.as_str()).is_ok());
            }
        }

        #[test]
        fn email_parse_never_panics(s in "\\PC{0,300}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert!(e.as_str().contains('@'));
                prop_assert_eq!(e.as_str().to_lowercase(), e.as_str());
            }
        }

        #[test]
        fn url_parse_never_panics(s in "(https?://)?\\PC{0,100}") {
            if let Ok(u) = HttpUrl::parse(&s) {
                prop_assert!(u.as_str().to_ascii_lowercase().starts_with("http"));
            }
        }
    }
}
