//! A listing's time series, from its roll-up rows.

use std::collections::HashMap;

use mercato_shared::api::analytics::{Interval, ListingPoint};

use super::days;

/// What happened on one day (summed over sources).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayCounts {
    pub views: i64,
    pub clicks: i64,
    pub installs: i64,
    pub uninstalls: i64,
}

/// Builds the points of `[from, to]` (day numbers, inclusive) at `interval`.
///
/// - `active`: `(day, workspace)` rows of the listing's usage roll-up from `from - 29` to `to`,
///   sorted by day (the 29 days before `from` are needed for the first trailing MAU).
/// - `counts`: per-day funnel and install counts within `[from, to]`.
/// - `installed_before`: active installs at the end of `from - 1`.
pub fn build(
    from: i32,
    to: i32,
    interval: Interval,
    active: &[(i32, i64)],
    counts: &HashMap<i32, DayCounts>,
    installed_before: i64,
) -> Vec<ListingPoint> {
    // Trailing 30-day MAU at the end of each day, by a sliding window over the rows.
    let mut mau_at: HashMap<i32, i64> = HashMap::new();
    let mut in_window: HashMap<i64, u32> = HashMap::new();
    let (mut enter, mut leave) = (0usize, 0usize);
    for day in from..=to {
        while enter < active.len() && active[enter].0 <= day {
            *in_window.entry(active[enter].1).or_default() += 1;
            enter += 1;
        }
        while leave < active.len() && active[leave].0 <= day - 30 {
            let w = active[leave].1;
            if let Some(n) = in_window.get_mut(&w) {
                *n -= 1;
                if *n == 0 {
                    in_window.remove(&w);
                }
            }
            leave += 1;
        }
        mau_at.insert(day, in_window.len() as i64);
    }

    let bucket_start = |day: i32| match interval {
        Interval::Day => day,
        Interval::Week => days::week_start(day).max(from),
        Interval::Month => days::month_start(day).max(from),
    };
    let mut points: Vec<ListingPoint> = Vec::new();
    let mut active_installs = installed_before;
    let mut bucket_workspaces: std::collections::HashSet<i64> = Default::default();
    let mut row = active.partition_point(|(d, _)| *d < from);
    let mut day = from;
    while day <= to {
        let start = bucket_start(day);
        let mut end = day;
        while end < to && bucket_start(end + 1) == start {
            end += 1;
        }
        let mut point = ListingPoint {
            start: days::date(start),
            installs: 0,
            uninstalls: 0,
            active_installs: 0,
            active_workspaces: 0,
            mau: 0,
            adoption: 0.0,
            views: 0,
            clicks: 0,
        };
        for d in start..=end {
            if let Some(c) = counts.get(&d) {
                point.installs += c.installs;
                point.uninstalls += c.uninstalls;
                point.views += c.views;
                point.clicks += c.clicks;
            }
        }
        bucket_workspaces.clear();
        while row < active.len() && active[row].0 <= end {
            bucket_workspaces.insert(active[row].1);
            row += 1;
        }
        active_installs += point.installs - point.uninstalls;
        point.active_installs = active_installs;
        point.active_workspaces = bucket_workspaces.len() as i64;
        point.mau = mau_at.get(&end).copied().unwrap_or(0);
        point.adoption = ratio(point.mau, point.active_installs);
        points.push(point);
        day = end + 1;
    }
    points
}

pub fn ratio(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        ((part as f64 / whole as f64) * 10_000.0).round() / 10_000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mau_counts_each_workspace_once_per_window() {
        // Workspace 1 active on days 0..=40, workspace 2 on day 5 only.
        let mut active: Vec<(i32, i64)> = (0..=40).map(|d| (d, 1)).collect();
        active.push((5, 2));
        active.sort();
        let points = build(30, 40, Interval::Day, &active, &HashMap::new(), 0);
        assert_eq!(points[0].mau, 2, "day 30: window 1..=30 holds both");
        assert_eq!(points[0].active_workspaces, 1);
        assert_eq!(points[5].mau, 1, "day 35: window 6..=35 lost workspace 2");
        let monthly = build(0, 40, Interval::Month, &active, &HashMap::new(), 0);
        assert_eq!(monthly.len(), 2, "Jan 1970 and Feb 1970");
        assert_eq!(monthly[0].active_workspaces, 2);
        assert_eq!(monthly[1].active_workspaces, 1);
    }

    #[test]
    fn installs_accumulate_and_weeks_start_on_monday() {
        let mut counts = HashMap::new();
        counts.insert(
            3,
            DayCounts {
                installs: 2,
                ..Default::default()
            },
        );
        counts.insert(
            9,
            DayCounts {
                uninstalls: 1,
                views: 7,
                ..Default::default()
            },
        );
        // 1970-01-01 was a Thursday: days 0..=3 are its first (partial) week.
        let points = build(0, 13, Interval::Week, &[], &counts, 5);
        assert_eq!(points.len(), 3);
        assert_eq!((points[0].installs, points[0].active_installs), (2, 7));
        assert_eq!(
            (
                points[1].uninstalls,
                points[1].active_installs,
                points[1].views
            ),
            (1, 6, 7)
        );
        assert_eq!(points[1].start, days::date(4));
    }
}
