//! Churn by number of active integrations: of the workspaces active when a period starts,
//! how many churn during it, grouped by how many integrations they had installed then.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use mercato_shared::api::analytics::ChurnBucket;

use super::series::ratio;

pub struct WorkspaceLife {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub churned_at: Option<DateTime<Utc>>,
}

/// One install event: (workspace, listing, installed?, when), in time order.
pub type InstallChange = (i64, i64, bool, DateTime<Utc>);

pub fn buckets(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    workspaces: &[WorkspaceLife],
    changes: &[InstallChange],
) -> Vec<ChurnBucket> {
    // The installed state of each (workspace, listing) at the start of the period.
    let mut installed: HashMap<(i64, i64), bool> = HashMap::new();
    for &(workspace, listing, on, at) in changes {
        if at < from {
            installed.insert((workspace, listing), on);
        }
    }
    let mut per_workspace: HashMap<i64, i64> = HashMap::new();
    for (&(workspace, _), &on) in &installed {
        if on {
            *per_workspace.entry(workspace).or_default() += 1;
        }
    }
    let labels = ["0", "1", "2", "3+"];
    let mut totals = [(0i64, 0i64); 4];
    for w in workspaces {
        let alive_at_start = w.created_at < from && w.churned_at.is_none_or(|c| c >= from);
        if !alive_at_start {
            continue;
        }
        let n = per_workspace.get(&w.id).copied().unwrap_or(0).min(3) as usize;
        totals[n].0 += 1;
        if w.churned_at.is_some_and(|c| c >= from && c <= to) {
            totals[n].1 += 1;
        }
    }
    labels
        .iter()
        .zip(totals)
        .map(|(label, (workspaces, churned))| ChurnBucket {
            integrations: label.to_string(),
            workspaces,
            churned,
            churn_rate: ratio(churned, workspaces),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn counts_integrations_at_the_start_and_churn_within() {
        let t0 = Utc::now() - Duration::days(100);
        let from = t0 + Duration::days(50);
        let to = from + Duration::days(30);
        let ws = |id, churn: Option<i64>| WorkspaceLife {
            id,
            created_at: t0,
            churned_at: churn.map(|d| t0 + Duration::days(d)),
        };
        let workspaces = vec![
            ws(1, None),
            ws(2, Some(60)),
            ws(3, Some(10)),
            ws(4, Some(70)),
        ];
        let changes = vec![
            (1, 10, true, t0 + Duration::days(1)),
            (1, 11, true, t0 + Duration::days(2)),
            (2, 10, true, t0 + Duration::days(3)),
            (2, 10, false, t0 + Duration::days(4)),
            (4, 10, true, t0 + Duration::days(5)),
            (4, 11, true, t0 + Duration::days(5)),
            (4, 12, true, t0 + Duration::days(5)),
            (4, 13, true, t0 + Duration::days(60)),
        ];
        let b = buckets(from, to, &workspaces, &changes);
        assert_eq!(
            (b[0].workspaces, b[0].churned),
            (1, 1),
            "ws 2: uninstalled before, churned day 60"
        );
        assert_eq!((b[2].workspaces, b[2].churned), (1, 0), "ws 1");
        assert_eq!(
            (b[3].workspaces, b[3].churned, b[3].churn_rate),
            (1, 1, 1.0),
            "ws 4; ws 3 churned before"
        );
    }
}
