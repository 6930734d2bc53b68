//! Partner scorecards from counted facts: a pure computation, ranked by the key asked for.

use mercato_shared::api::deals::Scorecard;
use serde::Deserialize;

use super::series::ratio;

/// What the database counted for one partner.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    pub pipeline: i64,
    pub won: i64,
    pub lost: i64,
    pub accepted_in_time: i64,
    pub breached: i64,
    pub mau: i64,
    /// Days from acceptance to win, one per won lead.
    pub cycle_days: Vec<f64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortBy {
    #[default]
    Pipeline,
    WinRate,
    Cycle,
    Sla,
    Mau,
}

pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

pub fn card(partner: String, name: String, f: Facts) -> Scorecard {
    let closed = f.won + f.lost;
    let routed = f.accepted_in_time + f.breached;
    Scorecard {
        partner,
        name,
        sourced_pipeline_value: f.pipeline,
        leads_won: f.won,
        leads_lost: f.lost,
        win_rate: (closed > 0).then(|| ratio(f.won, closed)),
        median_cycle_days: median(f.cycle_days),
        sla_adherence: (routed > 0).then(|| ratio(f.accepted_in_time, routed)),
        mau: f.mau,
    }
}

/// Best first by `by`; partners without a figure for it go last; ties by slug.
pub fn rank(cards: &mut [Scorecard], by: SortBy) {
    // Larger is better, except the cycle time; a missing figure ranks below any figure.
    let key = |c: &Scorecard| -> Option<f64> {
        match by {
            SortBy::Pipeline => Some(c.sourced_pipeline_value as f64),
            SortBy::WinRate => c.win_rate,
            SortBy::Cycle => c.median_cycle_days.map(|d| -d),
            SortBy::Sla => c.sla_adherence,
            SortBy::Mau => Some(c.mau as f64),
        }
    };
    cards.sort_by(|a, b| {
        match (key(a), key(b)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.partner.cmp(&b.partner))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn rates_need_history_and_faster_cycles_rank_first() {
        let none = card("a".into(), "A".into(), Facts::default());
        assert_eq!((none.win_rate, none.sla_adherence), (None, None));
        let fast = card(
            "fast".into(),
            "F".into(),
            Facts {
                won: 1,
                lost: 3,
                accepted_in_time: 3,
                breached: 1,
                cycle_days: vec![2.0],
                ..Facts::default()
            },
        );
        assert_eq!(
            (fast.win_rate, fast.sla_adherence),
            (Some(0.25), Some(0.75))
        );
        let slow = card(
            "slow".into(),
            "S".into(),
            Facts {
                cycle_days: vec![9.0],
                ..Facts::default()
            },
        );
        let mut cards = vec![none, slow, fast];
        rank(&mut cards, SortBy::Cycle);
        let order: Vec<&str> = cards.iter().map(|c| c.partner.as_str()).collect();
        assert_eq!(order, ["fast", "slow", "a"]);
    }
}
