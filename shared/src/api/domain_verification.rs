//! Partner domain verification: a partner admin proves control of the partner's website
//! domain by publishing a token Mercato issues, as a file at
//! `https://DOMAIN/.well-known/mercato-verification.txt` or as a DNS TXT record at
//! `_mercato-verification.DOMAIN`. Verified partners carry the "verified" badge.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::str_enum;

/// Where the file is published, under the partner's domain.
pub const WELL_KNOWN_PATH: &str = "/.well-known/mercato-verification.txt";
/// The label the TXT record is published under, before the partner's domain.
pub const TXT_LABEL: &str = "_mercato-verification";

str_enum!(
    /// How the token is published.
    VerificationMethod {
        /// A file at `https://DOMAIN/.well-known/mercato-verification.txt` holding the token.
        File = "file",
        /// A TXT record at `_mercato-verification.DOMAIN` holding the token.
        Dns = "dns",
    }
);

str_enum!(
    /// Where a partner's verification stands.
    VerificationState {
        /// No token issued yet (`POST …/domain-verification` issues one).
        NotStarted = "not_started",
        /// A token is issued and has not been found yet.
        Pending = "pending",
        /// The proof was found; the badge is shown and rechecked on a schedule.
        Verified = "verified",
        /// The proof disappeared after the domain was verified; the badge is gone.
        Lapsed = "lapsed",
    }
);

str_enum!(
    /// Why a check did not find the proof.
    CheckFailure {
        /// The file answered 404/410, or the name has no TXT record.
        NotFound = "not_found",
        /// The file or the TXT records exist but do not hold the token.
        WrongContent = "wrong_content",
        /// The file answered another status (redirects are not followed).
        HttpStatus = "http_status",
        /// The file is larger than the check reads (4 KiB).
        TooLarge = "too_large",
        /// The domain resolves to a loopback, private or otherwise non-public address.
        PrivateAddress = "private_address",
        /// The name does not resolve, or the server did not answer in time.
        Unreachable = "unreachable",
    }
);

/// Start (or restart) a verification: issues a token unless one is issued for the current
/// domain already, and sets the method to check.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StartDomainVerification {
    /// `file` unless given.
    #[serde(default)]
    pub method: Option<VerificationMethod>,
    /// Issue a new token even if one exists (the old one stops counting).
    #[serde(default)]
    pub regenerate: bool,
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DomainCheck {
    pub at: DateTime<Utc>,
    pub method: VerificationMethod,
    /// Whether the token was found.
    pub ok: bool,
    /// Why not, when not found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<CheckFailure>,
    /// A sentence for people: what was asked, what came back.
    pub detail: String,
}

/// A partner's domain verification and the instructions for publishing the proof (partner
/// admins and marketplace admins only: it shows the token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DomainVerification {
    pub state: VerificationState,
    /// The domain to prove: the host of the partner's website (none without a website).
    pub domain: Option<String>,
    pub method: Option<VerificationMethod>,
    /// The token to publish (none before the verification is started).
    pub token: Option<String>,
    /// Where to publish the file, and what it must hold (the token, on a line of its own).
    pub file_url: Option<String>,
    pub file_content: Option<String>,
    /// The TXT record's name and value.
    pub txt_name: Option<String>,
    pub txt_value: Option<String>,
    pub verified_at: Option<DateTime<Utc>>,
    pub lapsed_at: Option<DateTime<Utc>>,
    /// When the scheduler checks a verified domain next.
    pub next_check_at: Option<DateTime<Utc>>,
    /// Failed checks in a row (a verified domain lapses at the second).
    pub consecutive_failures: i32,
    pub last_check: Option<DomainCheck>,
}
