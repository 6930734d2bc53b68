//! The review state machines of listings and of revisions of published listings.
//!
//! ```text
//! listing:   draft ─submit→ in_review ─approve→ published ─delist→ delisted
//!              ↑               └─request_changes→ changes_requested ─submit→ in_review
//!            (edits)                                       delisted ─submit→ in_review
//! revision:  draft ─submit→ in_review ─approve→ approved (content goes live)
//!                              └─request_changes→ changes_requested ─submit→ in_review
//! ```

use mercato_shared::api::listings::{limits, ListingContent, ListingStatus, RevisionState};
use mercato_shared::api::search::{AWARDED_BADGES, BADGES};
use mercato_shared::validate::{self, Invalid, Slug, Validator};
use mercato_shared::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewAction {
    Submit,
    Approve,
    RequestChanges,
    Delist,
}

impl ReviewAction {
    pub fn verb(self) -> &'static str {
        match self {
            ReviewAction::Submit => "submit",
            ReviewAction::Approve => "approve",
            ReviewAction::RequestChanges => "request changes to",
            ReviewAction::Delist => "delist",
        }
    }
}

/// The listing's next status, or `None` if the action is not allowed in `from`.
pub fn next_listing_status(from: ListingStatus, action: ReviewAction) -> Option<ListingStatus> {
    use ListingStatus::*;
    use ReviewAction::*;
    match (from, action) {
        (Draft | ChangesRequested | Delisted, Submit) => Some(InReview),
        (InReview, Approve) => Some(Published),
        (InReview, RequestChanges) => Some(ChangesRequested),
        (Published, Delist) => Some(Delisted),
        _ => None,
    }
}

/// The revision's next state, or `None` if the action is not allowed in `from`.
pub fn next_revision_state(from: RevisionState, action: ReviewAction) -> Option<RevisionState> {
    use ReviewAction::*;
    use RevisionState::*;
    match (from, action) {
        (Draft | ChangesRequested, Submit) => Some(InReview),
        (InReview, Approve) => Some(Approved),
        (InReview, RequestChanges) => Some(ChangesRequested),
        _ => None,
    }
}

/// Whether partners may edit the listing row itself in this status. Published listings are
/// edited through revisions; listings in review are frozen until the decision.
pub fn listing_is_directly_editable(status: ListingStatus) -> bool {
    matches!(
        status,
        ListingStatus::Draft | ListingStatus::ChangesRequested | ListingStatus::Delisted
    )
}

/// Whether a pending revision may still be edited.
pub fn revision_is_editable(state: RevisionState) -> bool {
    matches!(
        state,
        RevisionState::Draft | RevisionState::ChangesRequested
    )
}

/// What content needs before it can go to review (drafts may be incomplete).
pub fn check_ready_for_review(content: &ListingContent) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut need = |field: &str, message: &str| {
        errors.push(FieldError {
            field: field.into(),
            code: "required_for_review".into(),
            message: message.into(),
        })
    };
    if content.description.trim().is_empty() {
        need(
            "description",
            "describe the integration before submitting it",
        );
    }
    if content.categories.is_empty() {
        need("categories", "choose at least one category");
    }
    if content.install_url.is_none() {
        need(
            "install_url",
            "give the URL where customers install the integration",
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The reviewer's note on a decision: blank is none, which only a request for changes may not
/// be (the partner must learn what to change).
pub fn decision_note(
    note: Option<String>,
    action: ReviewAction,
) -> Result<Option<String>, FieldError> {
    match note.filter(|n| !n.trim().is_empty()) {
        None if action == ReviewAction::RequestChanges => Err(FieldError {
            field: "note".into(),
            code: "required".into(),
            message: "say what needs to change".into(),
        }),
        None => Ok(None),
        Some(n) => validate::text(&n, 1, 4000)
            .map(Some)
            .map_err(|e| FieldError {
                field: "note".into(),
                code: e.code.into(),
                message: e.message,
            }),
    }
}

/// The badges an admin awards, without duplicates. Badges derived from the partner (its
/// certifications, its verified domain) cannot be awarded by hand.
pub fn awarded_badges(requested: &[String]) -> Result<Vec<String>, Vec<FieldError>> {
    let mut v = Validator::new();
    v.check("badges", validate::max_items(requested, limits::BADGES_MAX));
    let awardable = |s: Slug| {
        let s_str = s.as_str();
        if BADGES.contains(&s_str) && !AWARDED_BADGES.contains(&s_str) {
            Err(Invalid::new(
                "derived_badge",
                format!("`{s_str}` comes from the partner and cannot be awarded"),
            ))
        } else {
            Ok(s)
        }
    };
    let mut badges: Vec<String> = Vec::new();
    for (i, b) in requested.iter().enumerate() {
        if let Some(slug) = v.check(format!("badges[{i}]"), Slug::parse(b).and_then(awardable)) {
            if !badges.iter().any(|have| have == slug.as_str()) {
                badges.push(slug.into_inner());
            }
        }
    }
    v.finish(|| Some(badges))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ListingStatus::*;
    use ReviewAction::*;

    #[test]
    fn listing_happy_path() {
        let s = next_listing_status(Draft, Submit).unwrap();
        assert_eq!(s, InReview);
        let s = next_listing_status(s, RequestChanges).unwrap();
        assert_eq!(s, ChangesRequested);
        let s = next_listing_status(s, Submit).unwrap();
        let s = next_listing_status(s, Approve).unwrap();
        assert_eq!(s, Published);
        let s = next_listing_status(s, Delist).unwrap();
        assert_eq!(s, Delisted);
        assert_eq!(next_listing_status(s, Submit), Some(InReview));
    }

    #[test]
    fn listing_forbidden_moves() {
        for (from, action) in [
            (Draft, Approve),
            (Draft, Delist),
            (Published, Approve),
            (Published, Submit),
            (InReview, Submit),
            (ChangesRequested, Approve),
            (Delisted, Approve),
            (Delisted, Delist),
        ] {
            assert_eq!(
                next_listing_status(from, action),
                None,
                "{from:?} {action:?}"
            );
        }
    }

    #[test]
    fn every_status_and_action_is_decided() {
        // Exhaustive: no combination panics, and approve only ever leads to published.
        for &from in ListingStatus::ALL {
            for action in [Submit, Approve, RequestChanges, Delist] {
                if let Some(to) = next_listing_status(from, action) {
                    if action == Approve {
                        assert_eq!(to, Published);
                    }
                }
            }
        }
    }

    #[test]
    fn revisions() {
        use RevisionState as R;
        assert_eq!(next_revision_state(R::Draft, Submit), Some(R::InReview));
        assert_eq!(next_revision_state(R::InReview, Approve), Some(R::Approved));
        assert_eq!(
            next_revision_state(R::InReview, RequestChanges),
            Some(R::ChangesRequested)
        );
        assert_eq!(
            next_revision_state(R::ChangesRequested, Submit),
            Some(R::InReview)
        );
        assert_eq!(next_revision_state(R::Approved, Submit), None);
        assert_eq!(next_revision_state(R::Draft, Approve), None);
        assert_eq!(next_revision_state(R::InReview, Delist), None);
    }
}
