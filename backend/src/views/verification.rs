//! A partner's domain verification and the instructions for its proof.

use mercato_shared::api::domain_verification::{
    CheckFailure, DomainCheck, DomainVerification, VerificationState,
};

use crate::entities::{domain_verifications, partners};

/// A partner's domain verification with the instructions for its proof (`row`: none before a
/// token is issued).
pub fn domain_verification(
    p: &partners::Model,
    row: Option<&domain_verifications::Model>,
    checker: &crate::verification::Checker,
) -> DomainVerification {
    use crate::verification;
    let Some(row) = row else {
        return DomainVerification {
            state: VerificationState::NotStarted,
            domain: p.website.as_deref().and_then(verification::domain_of),
            method: None,
            token: None,
            file_url: None,
            file_content: None,
            txt_name: None,
            txt_value: None,
            verified_at: None,
            lapsed_at: None,
            next_check_at: None,
            consecutive_failures: 0,
            last_check: None,
        };
    };
    let method = row.method;
    let state = if verification::is_verified(p, row) {
        VerificationState::Verified
    } else if row.lapsed_at.is_some() {
        VerificationState::Lapsed
    } else {
        VerificationState::Pending
    };
    let last_check = row.last_checked_at.map(|at| {
        let failure = row.last_result.as_deref().and_then(CheckFailure::parse);
        DomainCheck {
            at,
            method,
            ok: failure.is_none(),
            failure,
            detail: row.last_detail.clone().unwrap_or_default(),
        }
    });
    DomainVerification {
        state,
        domain: Some(row.domain.clone()),
        method: Some(method),
        token: Some(row.token.clone()),
        file_url: Some(checker.file_url(&row.domain)),
        file_content: Some(format!("{}\n", row.token)),
        txt_name: Some(verification::txt_name(&row.domain)),
        txt_value: Some(row.token.clone()),
        verified_at: row.verified_at,
        lapsed_at: row.lapsed_at,
        next_check_at: row.next_check_at,
        consecutive_failures: row.consecutive_failures,
        last_check,
    }
}
