//! Checks for a partner's proof: the well-known file through the outbound guard, or the TXT
//! record through the configured resolver. No database and no application state: the
//! [`Checker`] is built once from the settings and shared.

use std::net::SocketAddr;

use mercato_shared::api::domain_verification::{
    CheckFailure, VerificationMethod, TXT_LABEL, WELL_KNOWN_PATH,
};
use subtle::ConstantTimeEq;

use super::dns;
use crate::config::Settings;
use crate::outbound::{self, OutboundError};

/// The file is read up to this size; a larger one fails the check.
pub const MAX_FILE_BYTES: usize = 4096;

/// The domain a partner's website proves: its host, lowercased, when it is a name (an
/// address literal cannot be verified).
pub fn domain_of(website: &str) -> Option<String> {
    let url = reqwest::Url::parse(website).ok()?;
    // `domain()` is none for address literals.
    let d = url.domain()?.trim_end_matches('.').to_ascii_lowercase();
    (!d.is_empty()).then_some(d)
}

/// A fresh token: `mercato-` and 32 random hex digits.
pub fn new_token() -> String {
    let bytes: [u8; 16] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("mercato-{hex}")
}

/// Where the file is looked for (plain http on a test port when the test hook is set).
pub fn file_url(domain: &str, test_port: Option<u16>) -> String {
    match test_port {
        Some(port) => format!("http://{domain}:{port}{WELL_KNOWN_PATH}"),
        None => format!("https://{domain}{WELL_KNOWN_PATH}"),
    }
}

pub fn txt_name(domain: &str) -> String {
    format!("{TXT_LABEL}.{domain}")
}

/// Whether `candidate` (trimmed) is the token, compared in constant time.
fn is_token(candidate: &str, token: &str) -> bool {
    bool::from(candidate.trim().as_bytes().ct_eq(token.as_bytes()))
}

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub failure: Option<CheckFailure>,
    pub detail: String,
}

impl Outcome {
    fn found(detail: String) -> Outcome {
        Outcome {
            failure: None,
            detail,
        }
    }

    fn failed(failure: CheckFailure, detail: String) -> Outcome {
        Outcome {
            failure: Some(failure),
            detail,
        }
    }

    pub fn ok(&self) -> bool {
        self.failure.is_none()
    }
}

/// Runs checks: the guarded HTTP client and the DNS resolver.
pub struct Checker {
    client: reqwest::Client,
    allow_private: bool,
    test_port: Option<u16>,
    resolver: Option<SocketAddr>,
}

impl Checker {
    pub fn new(settings: &Settings) -> Checker {
        Checker {
            client: outbound::client(settings.outbound_allow_private, "Mercato-Verification/1"),
            allow_private: settings.outbound_allow_private,
            test_port: settings.domain_verification_test_port,
            resolver: settings.dns_resolver.or_else(dns::system_resolver),
        }
    }

    pub fn file_url(&self, domain: &str) -> String {
        file_url(domain, self.test_port)
    }

    pub async fn check(&self, method: VerificationMethod, domain: &str, token: &str) -> Outcome {
        match method {
            VerificationMethod::File => self.check_file(domain, token).await,
            VerificationMethod::Dns => self.check_dns(domain, token).await,
        }
    }

    async fn check_file(&self, domain: &str, token: &str) -> Outcome {
        let url = self.file_url(domain);
        if let Err(e) = outbound::check_literal(&url, self.allow_private) {
            return Outcome::failed(CheckFailure::PrivateAddress, format!("{url}: {e}"));
        }
        let mut res = match self.client.get(&url).send().await {
            Ok(res) => res,
            Err(e) => return request_failed(&url, &e),
        };
        let status = res.status();
        if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
            return Outcome::failed(
                CheckFailure::NotFound,
                format!("{url} answered HTTP {}", status.as_u16()),
            );
        }
        if !status.is_success() {
            let why = if status.is_redirection() {
                " (redirects are not followed: publish the file at this address)"
            } else {
                ""
            };
            return Outcome::failed(
                CheckFailure::HttpStatus,
                format!("{url} answered HTTP {}{why}", status.as_u16()),
            );
        }
        let mut body = Vec::new();
        loop {
            match res.chunk().await {
                Ok(Some(chunk)) => {
                    body.extend_from_slice(&chunk);
                    if body.len() > MAX_FILE_BYTES {
                        return Outcome::failed(
                            CheckFailure::TooLarge,
                            format!("{url} is larger than {MAX_FILE_BYTES} bytes"),
                        );
                    }
                }
                Ok(None) => break,
                Err(e) => return request_failed(&url, &e),
            }
        }
        let text = String::from_utf8_lossy(&body);
        if text.lines().any(|line| is_token(line, token)) {
            Outcome::found(format!("{url} holds the token"))
        } else {
            Outcome::failed(
                CheckFailure::WrongContent,
                format!("{url} does not hold the token on a line of its own"),
            )
        }
    }

    async fn check_dns(&self, domain: &str, token: &str) -> Outcome {
        let name = txt_name(domain);
        let Some(resolver) = self.resolver else {
            return Outcome::failed(
                CheckFailure::Unreachable,
                "this server has no DNS resolver configured".into(),
            );
        };
        match dns::query_txt(resolver, &name).await {
            Ok(records) if records.is_empty() => {
                Outcome::failed(CheckFailure::NotFound, format!("{name} has no TXT record"))
            }
            Ok(records) => {
                if records.iter().any(|r| is_token(r, token)) {
                    Outcome::found(format!("a TXT record at {name} holds the token"))
                } else {
                    Outcome::failed(
                        CheckFailure::WrongContent,
                        format!(
                            "{name} has {} TXT record(s), none holding the token",
                            records.len()
                        ),
                    )
                }
            }
            Err(dns::DnsError::NxDomain) => Outcome::failed(
                CheckFailure::NotFound,
                format!("{name} does not exist in DNS"),
            ),
            Err(e) => Outcome::failed(CheckFailure::Unreachable, format!("{name}: {e}")),
        }
    }
}

/// Classifies a failed request: refused by the guard, or not reached.
fn request_failed(url: &str, e: &reqwest::Error) -> Outcome {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        match s.downcast_ref::<OutboundError>() {
            Some(OutboundError::NotPublic { .. }) => {
                return Outcome::failed(CheckFailure::PrivateAddress, format!("{url}: {s}"))
            }
            Some(other) => {
                return Outcome::failed(CheckFailure::Unreachable, format!("{url}: {other}"))
            }
            None => source = s.source(),
        }
    }
    // The resolver's error may arrive flattened into text.
    let text = format!("{e:?}");
    if text.contains("NotPublic") {
        return Outcome::failed(
            CheckFailure::PrivateAddress,
            format!("{url}: the domain resolves to a non-public address"),
        );
    }
    let why = if e.is_timeout() {
        "no answer in time".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        e.to_string()
    };
    Outcome::failed(CheckFailure::Unreachable, format!("{url}: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_domain_is_the_websites_host_name() {
        assert_eq!(
            domain_of("https://WWW.Acme.example./about").as_deref(),
            Some("www.acme.example")
        );
        assert_eq!(
            domain_of("http://localhost:8080").as_deref(),
            Some("localhost")
        );
        assert_eq!(domain_of("https://93.184.216.34/"), None);
        assert_eq!(domain_of("https://[2001:db8::1]/"), None);
        assert_eq!(domain_of("not a url"), None);
    }

    #[test]
    fn tokens_are_random_and_compared_whole() {
        let t = new_token();
        assert_eq!(t.len(), "mercato-".len() + 32);
        assert_ne!(t, new_token());
        assert!(is_token(&format!("  {t}\r"), &t));
        assert!(!is_token(&t[..t.len() - 1], &t));
        assert!(!is_token(&format!("{t}x"), &t));
    }
}
