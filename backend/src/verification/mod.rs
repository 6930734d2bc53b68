//! Partner domain verification. A partner admin asks for a token; the partner publishes it as
//! a file at `https://DOMAIN/.well-known/mercato-verification.txt` or as a TXT record at
//! `_mercato-verification.DOMAIN`; a check finds it and the partner gets the "verified" badge
//! (`partners.verified_domain`). Verified domains are checked again on a schedule
//! (`schedule.rs`); the badge lapses at the second failed check in a row, with a notice to the
//! partner.
//!
//! The file is fetched with the outbound guard's client (`outbound.rs`): names resolving to
//! non-public addresses are refused, redirects are not followed, time and size are bounded.
//! TXT records are asked of the configured resolver (`dns.rs`), which is not user-given.

pub mod dns;
pub mod schedule;

use mercato_shared::api::webhooks::NoticeKind;
use std::net::SocketAddr;

use chrono::{DateTime, Utc};
use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::domain_verification::{
    CheckFailure, VerificationMethod, TXT_LABEL, WELL_KNOWN_PATH,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel, Set};
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::config::Settings;
use crate::entities::{domain_verifications, partner_notices, partners};
use crate::error::ApiResult;
use crate::outbound::{self, OutboundError};
use crate::state::AppState;
use crate::store::audit::{self, Actor, Subject};
use crate::store::outbox::{self, PublicChange};

/// The file is read up to this size; a larger one fails the check.
pub const MAX_FILE_BYTES: usize = 4096;
/// A verified domain loses its badge at this many failed checks in a row (one failure may be
/// an outage or a deploy; two, an hour apart, are not).
pub const LAPSE_AFTER_FAILURES: i32 = 2;
/// After a failed recheck of a verified domain, the next check comes this soon (or at the
/// normal interval, if that is sooner).
pub const RETRY_AFTER: chrono::Duration = chrono::Duration::hours(1);

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

/// Whether the partner holds the badge for this verification's domain.
pub fn is_verified(partner: &partners::Model, row: &domain_verifications::Model) -> bool {
    partner.verified_domain.as_deref() == Some(row.domain.as_str())
}

/// What recording an outcome changed.
pub struct Recorded {
    pub row: domain_verifications::Model,
    /// The badge appeared or lapsed: public pages and the search index must follow.
    pub badge_changed: bool,
}

/// Records a check's outcome in the caller's transaction: the verification's state, the
/// badge, the audit log, and the partner's notice when the badge lapses.
pub async fn record(
    txn: &impl ConnectionTrait,
    partner: &partners::Model,
    row: domain_verifications::Model,
    outcome: &Outcome,
    at: DateTime<Utc>,
    recheck_every: std::time::Duration,
    actor: Actor<'_>,
) -> ApiResult<Recorded> {
    let interval = chrono::Duration::from_std(recheck_every).unwrap_or(chrono::Duration::days(1));
    let was_verified = is_verified(partner, &row);
    let domain = row.domain.clone();
    let method = row.method.clone();
    let failures = row.consecutive_failures;
    let mut active = row.into_active_model();
    active.last_checked_at = Set(Some(at));
    active.last_detail = Set(Some(outcome.detail.clone()));
    let mut badge = None;
    match outcome.failure {
        None => {
            active.last_result = Set(Some("verified".into()));
            active.consecutive_failures = Set(0);
            active.next_check_at = Set(Some(at + interval));
            if !was_verified {
                active.verified_at = Set(Some(at));
                active.lapsed_at = Set(None);
                badge = Some(Some(domain.clone()));
                audit::record(
                    txn,
                    actor,
                    AuditAction::DomainVerified,
                    Subject::Partner(&partner.slug),
                    json!({"domain": domain, "method": method}),
                )
                .await?;
            }
        }
        Some(failure) => {
            active.last_result = Set(Some(failure.as_str().into()));
            active.consecutive_failures = Set(failures + 1);
            if was_verified && failures + 1 >= LAPSE_AFTER_FAILURES {
                active.next_check_at = Set(None);
                active.verified_at = Set(None);
                active.lapsed_at = Set(Some(at));
                badge = Some(None);
                audit::record(
                    txn,
                    actor,
                    AuditAction::DomainVerificationLapsed,
                    Subject::Partner(&partner.slug),
                    json!({"domain": domain, "reason": failure.as_str(), "detail": outcome.detail}),
                )
                .await?;
                partner_notices::ActiveModel {
                    partner_id: Set(partner.id),
                    kind: Set(NoticeKind::DomainVerificationLapsed),
                    message: Set(format!(
                        "The verified badge for {domain} was removed: the proof could not be found {} checks in a row (last: {}). Publish the token again, then check now to get the badge back.",
                        failures + 1,
                        outcome.detail
                    )),
                    endpoint_id: Set(None),
                    created_at: Set(at),
                    read_at: Set(None),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                tracing::warn!(partner = %partner.slug, %domain, "domain verification lapsed");
            } else if was_verified {
                active.next_check_at = Set(Some(at + RETRY_AFTER.min(interval)));
            }
        }
    }
    let row = active.update(txn).await?;
    let badge_changed = badge.is_some();
    if let Some(verified_domain) = badge {
        let mut p = partner.clone().into_active_model();
        p.verified_domain = Set(verified_domain);
        p.update(txn).await?;
    }
    Ok(Recorded { row, badge_changed })
}

/// Checks `row`'s proof and records the outcome in one transaction, against the rows as they
/// are after the check (which takes time): none when the verification changed meanwhile (a new
/// token, another domain, the partner gone). A changed badge goes through the outbox, so the
/// public cache and the search index follow.
pub async fn check_and_record(
    state: &AppState,
    row: &domain_verifications::Model,
    actor: Actor<'_>,
) -> ApiResult<Option<Recorded>> {
    use sea_orm::{EntityTrait, TransactionTrait};
    let method = row.method;
    let outcome = state
        .domain_checker
        .check(method, &row.domain, &row.token)
        .await;
    let txn = state.db.write.begin().await?;
    let partner = partners::Entity::find_by_id(row.partner_id)
        .one(&txn)
        .await?;
    let current = domain_verifications::Entity::find_by_id(row.partner_id)
        .one(&txn)
        .await?
        .filter(|r| r.token == row.token && r.domain == row.domain);
    let (Some(partner), Some(current)) = (partner, current) else {
        return Ok(None);
    };
    let recorded = record(
        &txn,
        &partner,
        current,
        &outcome,
        state.settings.clock.now(),
        state.settings.domain_recheck_interval,
        actor,
    )
    .await?;
    if recorded.badge_changed {
        outbox::commit(state, txn, PublicChange::Partner(partner.id)).await?;
    } else {
        txn.commit().await?;
    }
    Ok(Some(recorded))
}

/// The partner's website changed (`domain`: the new one's, if any; the caller has cleared
/// the badge if it was for another domain): a verification of another domain no longer
/// counts. Its token is forgotten, and a removed badge is recorded in the audit log (the
/// partner's admin did it, so no notice).
pub async fn website_changed(
    txn: &impl ConnectionTrait,
    before: &partners::Model,
    domain: Option<&str>,
    actor: Actor<'_>,
) -> ApiResult<()> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut stale = domain_verifications::Entity::delete_many()
        .filter(domain_verifications::Column::PartnerId.eq(before.id));
    if let Some(d) = domain {
        stale = stale.filter(domain_verifications::Column::Domain.ne(d));
    }
    stale.exec(txn).await?;
    match before.verified_domain.as_deref() {
        Some(verified) if Some(verified) != domain => {
            audit::record(
                txn,
                actor,
                AuditAction::DomainVerificationLapsed,
                Subject::Partner(&before.slug),
                json!({"domain": verified, "reason": "website_changed"}),
            )
            .await
        }
        _ => Ok(()),
    }
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
