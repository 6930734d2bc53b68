//! A listing's analytics over a chosen period: installs and uninstalls, active installs,
//! DAU/WAU and MAU, the funnel view → click → install and the installs' sources, as charts,
//! with the same data as CSV from the API.

use chrono::{DateTime, Days, NaiveDate};
use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::analytics::{Interval, ListingAnalytics};

use crate::api::{self, seg, ApiError};
use crate::pages::listing::thousands;
use crate::portal::analytics::{count, percent};
use crate::portal::charts::{Bar, BarChart, Mark, Series, TimeChart};
use crate::portal::ui::{download, humanize, load, now_ms, show};

/// The periods partners pick from, in days.
const PERIODS: [(u64, &str); 4] = [
    (7, "Last 7 days"),
    (30, "Last 30 days"),
    (90, "Last 90 days"),
    (365, "Last 12 months"),
];

fn today() -> NaiveDate {
    DateTime::from_timestamp_millis(now_ms())
        .map(|d| d.date_naive())
        .unwrap_or_default()
}

/// The API query for the last `days` days by `interval`.
pub fn query(days: u64, interval: Interval, to: NaiveDate) -> String {
    let from = to
        .checked_sub_days(Days::new(days.saturating_sub(1)))
        .unwrap_or(to);
    format!("from={from}&to={to}&interval={}", interval.as_str())
}

/// "3 Nov" for days and weeks, "Nov 2026" for months.
fn period_label(start: NaiveDate, interval: Interval) -> String {
    match interval {
        Interval::Month => start.format("%b %Y").to_string(),
        _ => start.format("%-d %b").to_string(),
    }
}

#[component]
pub fn ListingAnalytics(partner: String, listing: String) -> impl IntoView {
    let days = RwSignal::new(30u64);
    let interval = RwSignal::new(Interval::Day);
    let listing = StoredValue::new(listing);
    let path = move || {
        format!(
            "/api/v1/analytics/listings/{}?{}",
            seg(&listing.get_value()),
            query(days.get(), interval.get(), today())
        )
    };
    let data = load(move || {
        let path = path();
        async move { api::get::<ListingAnalytics>(&path).await }
    });
    let exporting = RwSignal::new(None::<ApiError>);
    let export = move |_| {
        let path = format!(
            "/api/v1/analytics/listings/{}?{}&format=csv",
            seg(&listing.get_value()),
            query(days.get_untracked(), interval.get_untracked(), today())
        );
        spawn_local(async move {
            match api::get_text(&path).await {
                Ok(csv) => {
                    exporting.set(None);
                    download(
                        &format!("{}-analytics.csv", listing.get_value()),
                        "text/csv",
                        &csv,
                    );
                }
                Err(e) => exporting.set(Some(e)),
            }
        });
    };
    let editor = format!("/partner/{partner}/listings/{}", listing.get_value());
    view! {
        <header class="console-head console-head--actions">
            <div>
                <p class="breadcrumb"><a href=format!("/partner/{partner}")>"Listings"</a> " / " <a href=editor>{listing.get_value()}</a></p>
                <h1>"Analytics"</h1>
            </div>
            <div class="toolbar" role="group" aria-label="Report options">
                <div class="field field--inline">
                    <label class="field__label" for="analytics-period">"Period"</label>
                    <select class="field__input" id="analytics-period"
                        on:change=move |ev| days.set(event_target_value(&ev).parse().unwrap_or(30))>
                        {PERIODS.iter().map(|(d, label)| view! {
                            <option value=d.to_string() selected=*d == 30>{*label}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field field--inline">
                    <label class="field__label" for="analytics-interval">"By"</label>
                    <select class="field__input" id="analytics-interval"
                        on:change=move |ev| interval.set(Interval::parse(&event_target_value(&ev)).unwrap_or(Interval::Day))>
                        {Interval::ALL.iter().map(|i| view! { <option value=i.as_str()>{humanize(i.as_str())}</option> }).collect_view()}
                    </select>
                </div>
                <button type="button" class="button button--secondary" on:click=export>"Download CSV"</button>
            </div>
        </header>
        {move || exporting.get().map(|e| view! { <p class="form-problem" role="alert">{format!("The CSV could not be downloaded. {e}")}</p> })}
        {show(data, "the analytics", |a: ListingAnalytics| view! { <Charts a /> })}
    }
}

/// "1 install", "1,204 installs".
fn plural(n: i64, noun: &str) -> String {
    format!("{} {noun}{}", thousands(n), if n == 1 { "" } else { "s" })
}

#[component]
fn Charts(a: ListingAnalytics) -> impl IntoView {
    let periods: Vec<String> = a
        .series
        .iter()
        .map(|p| period_label(p.start, a.interval))
        .collect();
    let column = |f: fn(&mercato_shared::api::analytics::ListingPoint) -> i64| -> Vec<f64> {
        a.series.iter().map(|p| f(p) as f64).collect()
    };
    let installs: i64 = a.series.iter().map(|p| p.installs).sum();
    let uninstalls: i64 = a.series.iter().map(|p| p.uninstalls).sum();
    let last = a.series.last().cloned();
    let active_name = match a.interval {
        Interval::Day => "Daily active workspaces",
        Interval::Week => "Weekly active workspaces",
        Interval::Month => "Monthly active workspaces (calendar month)",
    };
    let funnel = vec![
        Bar {
            label: "Page views".into(),
            value: a.funnel.views as f64,
            display: thousands(a.funnel.views),
        },
        Bar {
            label: "Install clicks".into(),
            value: a.funnel.clicks as f64,
            display: format!(
                "{} · {} of views",
                thousands(a.funnel.clicks),
                percent(a.funnel.click_rate)
            ),
        },
        Bar {
            label: "Installs".into(),
            value: a.funnel.installs as f64,
            display: format!(
                "{} · {} of clicks",
                thousands(a.funnel.installs),
                percent(a.funnel.install_rate)
            ),
        },
    ];
    let sources: Vec<Bar> = a
        .sources
        .iter()
        .map(|s| Bar {
            label: humanize(&s.source),
            value: s.installs as f64,
            display: format!(
                "{} · {} · {}",
                plural(s.installs, "install"),
                plural(s.views, "view"),
                plural(s.clicks, "click")
            ),
        })
        .collect();
    view! {
        <p class="muted">{format!("{} to {}", a.from, a.to)}</p>
        <dl class="tiles">
            <div class="tile"><dt>"Installs"</dt><dd>{thousands(installs)}</dd></div>
            <div class="tile"><dt>"Uninstalls"</dt><dd>{thousands(uninstalls)}</dd></div>
            <div class="tile"><dt>"Active installs"</dt><dd>{last.as_ref().map_or("0".into(), |p| thousands(p.active_installs))}</dd></div>
            <div class="tile"><dt>"MAU"</dt><dd>{last.as_ref().map_or("0".into(), |p| thousands(p.mau))}</dd></div>
            <div class="tile"><dt>"Adoption"</dt><dd>{last.as_ref().map_or("0%".into(), |p| percent(p.adoption))}</dd></div>
        </dl>
        <section class="console-section" aria-labelledby="installs-title">
            <h2 id="installs-title">"Installs"</h2>
            <div class="chart-stack">
                <TimeChart title="Installs and uninstalls".to_string() periods=periods.clone() tick=count series=vec![
                    Series { name: "Installs", mark: Mark::Bars, values: column(|p| p.installs) },
                    Series { name: "Uninstalls", mark: Mark::HatchedBars, values: column(|p| p.uninstalls) },
                ] />
                <TimeChart title="Active installs".to_string() periods=periods.clone() tick=count series=vec![
                    Series { name: "Active installs", mark: Mark::Line, values: column(|p| p.active_installs) },
                ] />
            </div>
        </section>
        <section class="console-section" aria-labelledby="usage-title">
            <h2 id="usage-title">"Usage"</h2>
            <TimeChart title="Active workspaces".to_string() periods tick=count series=vec![
                Series { name: active_name, mark: Mark::Line, values: column(|p| p.active_workspaces) },
                Series { name: "MAU (30 days)", mark: Mark::DashedLine, values: column(|p| p.mau) },
            ] />
        </section>
        <section class="console-section" aria-labelledby="funnel-title">
            <h2 id="funnel-title">"Funnel and sources"</h2>
            <div class="chart-stack">
                <BarChart title="View → click → install".to_string() bars=funnel tick=count value_name="Count" />
                <BarChart title="Installs by source".to_string() bars=sources tick=count value_name="Installs" />
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_end_today() {
        let to = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(
            query(30, Interval::Day, to),
            "from=2026-10-28&to=2026-11-26&interval=day"
        );
        assert_eq!(
            query(7, Interval::Week, to),
            "from=2026-11-20&to=2026-11-26&interval=week"
        );
        assert_eq!(period_label(to, Interval::Day), "26 Nov");
        assert_eq!(period_label(to, Interval::Month), "Nov 2026");
    }
}
