//! Companies as people name them in forms: a lead's, a voter's, a deal's account, a workspace's.

use mercato_shared::validate::{HttpUrl, Invalid};

/// A bare domain like `acme.com`, lower-cased: the URL rules applied to `https://<domain>`,
/// and no path, port or credentials.
pub fn parse_domain(s: &str) -> Result<String, Invalid> {
    let d = s.trim().to_lowercase();
    let invalid = || Invalid::new("invalid_domain", "must be a domain like acme.com");
    HttpUrl::parse(&format!("https://{d}")).map_err(|_| invalid())?;
    if d.contains(['/', ':', '@']) || !d.contains('.') {
        return Err(invalid());
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::parse_domain;

    #[test]
    fn bare_domains_only() {
        assert_eq!(parse_domain(" Acme.COM ").as_deref(), Ok("acme.com"));
        for bad in ["acme", "acme.com/path", "acme.com:8080", "me@acme.com", ""] {
            assert!(parse_domain(bad).is_err(), "{bad}");
        }
    }
}
