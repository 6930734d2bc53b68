//! The order of candidate partners for a lead (implementation help): a pure function, so the
//! rules read in one place. The assignment gathers the candidates and assigns the first.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A partner that may receive a lead, with everything that orders it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    #[serde(skip)]
    pub partner_id: i64,
    pub partner: String,
    /// Holds a current certification.
    pub certified: bool,
    /// `registered` 0, `select` 1, `premier` 2.
    pub tier_rank: u8,
    /// Share of its routed leads accepted within the SLA (1.0 without history).
    pub sla_adherence: f64,
    /// Leads routed to it and not yet won or lost.
    pub open_leads: i64,
    /// When it last received a lead (none: never).
    pub last_routed_at: Option<DateTime<Utc>>,
}

/// Best first: certified, then higher tier, then better SLA record, then fewer open leads, then
/// the one that waited longest for a lead (fair rotation among equals), then the oldest partner.
pub fn order(candidates: &mut [Candidate]) {
    candidates.sort_by(|a, b| {
        b.certified
            .cmp(&a.certified)
            .then(b.tier_rank.cmp(&a.tier_rank))
            .then(b.sla_adherence.total_cmp(&a.sla_adherence))
            .then(a.open_leads.cmp(&b.open_leads))
            .then(a.last_routed_at.cmp(&b.last_routed_at))
            .then(a.partner_id.cmp(&b.partner_id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: i64) -> Candidate {
        Candidate {
            partner_id: id,
            partner: format!("p{id}"),
            certified: false,
            tier_rank: 0,
            sla_adherence: 1.0,
            open_leads: 0,
            last_routed_at: None,
        }
    }

    fn ordered(mut c: Vec<Candidate>) -> Vec<i64> {
        order(&mut c);
        c.into_iter().map(|c| c.partner_id).collect()
    }

    #[test]
    fn each_key_outranks_the_next() {
        let now = Utc::now();
        let certified = Candidate {
            certified: true,
            ..candidate(1)
        };
        let premier = Candidate {
            tier_rank: 2,
            open_leads: 0,
            ..candidate(2)
        };
        assert_eq!(ordered(vec![premier.clone(), certified.clone()]), [1, 2]);
        let reliable = Candidate {
            sla_adherence: 1.0,
            open_leads: 9,
            ..candidate(3)
        };
        let late = Candidate {
            sla_adherence: 0.5,
            ..candidate(4)
        };
        assert_eq!(ordered(vec![late, reliable]), [3, 4]);
        let busy = Candidate {
            open_leads: 3,
            last_routed_at: Some(now - chrono::Duration::days(9)),
            ..candidate(5)
        };
        let idle = Candidate {
            open_leads: 1,
            last_routed_at: Some(now),
            ..candidate(6)
        };
        assert_eq!(ordered(vec![busy, idle]), [6, 5]);
    }

    #[test]
    fn equals_take_turns_and_newcomers_go_first() {
        let now = Utc::now();
        let recent = Candidate {
            last_routed_at: Some(now),
            ..candidate(1)
        };
        let earlier = Candidate {
            last_routed_at: Some(now - chrono::Duration::hours(1)),
            ..candidate(2)
        };
        let never = candidate(3);
        assert_eq!(ordered(vec![recent, earlier, never]), [3, 2, 1]);
    }
}
