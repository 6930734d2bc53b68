//! The review state machines of listings and of revisions of published listings.
//!
//! ```text
//! listing:   draft ─submit→ in_review ─approve→ published ─delist→ delisted
//!              ↑               └─request_changes→ changes_requested ─submit→ in_review
//!            (edits)                                       delisted ─submit→ in_review
//! revision:  draft ─submit→ in_review ─approve→ approved (content goes live)
//!                              └─request_changes→ changes_requested ─submit→ in_review
//! ```

use mercato_shared::api::listings::{ListingStatus, RevisionState};

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
