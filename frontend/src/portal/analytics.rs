//! The analyst view (`/analytics`, admins and analysts): the adoption ranking (MAU and adoption
//! per listing), the churn of workspaces by how many integrations they run, and the partner
//! scorecards, as charts.

use leptos::prelude::*;
use mercato_shared::api::analytics::{AdoptionRanking, ChurnReport};
use mercato_shared::api::deals::Scorecard;

use super::charts::{Bar, BarChart};
use super::gate::staff;
use super::ui::{gated, load, num, show, text, DataTable};
use crate::api;
use crate::pages::listing::thousands;

/// How many listings the ranking charts show.
const RANKED: u32 = 15;

pub fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

pub fn count(n: f64) -> String {
    thousands(n.round() as i64)
}

/// "$12,400" for a whole-dollar amount.
pub fn money(value: i64) -> String {
    format!("${}", thousands(value))
}

fn money_tick(value: f64) -> String {
    money(value.round() as i64)
}

/// "—" for a figure that has no data yet.
fn or_dash(value: Option<f64>, show: impl Fn(f64) -> String) -> String {
    value.map_or_else(|| "—".to_string(), show)
}

/// A bar for a share: "12% · 3 of 25".
pub fn share_bar(label: String, share: f64, part: i64, whole: i64) -> Bar {
    Bar {
        label,
        value: share,
        display: format!(
            "{} · {} of {}",
            percent(share),
            thousands(part),
            thousands(whole)
        ),
    }
}

#[component]
pub fn AnalyticsConsole() -> impl IntoView {
    gated("marketplace admins and analysts", staff, |_| {
        let data = load(|| async {
            Ok((
                api::adoption(RANKED).await?,
                api::churn().await?,
                api::get::<Vec<Scorecard>>("/api/v1/analytics/partners").await?,
            ))
        });
        show(data, "the analytics", |(ranking, churn, scorecards)| {
            view! {
                <Adoption ranking />
                <Churn churn />
                <Scorecards scorecards />
            }
        })
    })
}

#[component]
fn Adoption(ranking: AdoptionRanking) -> impl IntoView {
    let mau: Vec<Bar> = ranking
        .rows
        .iter()
        .map(|r| Bar {
            label: r.name.clone(),
            value: r.mau as f64,
            display: thousands(r.mau),
        })
        .collect();
    let adoption: Vec<Bar> = ranking
        .rows
        .iter()
        .map(|r| share_bar(r.name.clone(), r.adoption, r.mau, r.active_installs))
        .collect();
    view! {
        <section class="console-section" aria-labelledby="adoption-title">
            <h2 id="adoption-title">"Adoption"</h2>
            <p class="muted">{format!(
                "Monthly active workspaces (MAU) per listing in the 30 days to {}, and the share of installs that are active.",
                ranking.as_of
            )}</p>
            <div class="chart-stack">
                <BarChart title="Monthly active workspaces".to_string() bars=mau tick=count value_name="MAU" />
                <BarChart title="Adoption (MAU ÷ active installs)".to_string() bars=adoption tick=percent value_name="Adoption" />
            </div>
        </section>
    }
}

#[component]
fn Churn(churn: ChurnReport) -> impl IntoView {
    let bars: Vec<Bar> = churn
        .buckets
        .iter()
        .map(|b| {
            share_bar(
                format!("{} integrations", b.integrations),
                b.churn_rate,
                b.churned,
                b.workspaces,
            )
        })
        .collect();
    view! {
        <section class="console-section" aria-labelledby="churn-title">
            <h2 id="churn-title">"Churn by integrations in use"</h2>
            <p class="muted">{format!(
                "Share of workspaces that churned between {} and {}, by how many integrations they had active when the period began.",
                churn.from, churn.to
            )}</p>
            <BarChart title="Churn rate".to_string() bars tick=percent value_name="Churn rate" />
        </section>
    }
}

/// Partner scorecards: the pipeline each partner sourced through Mercato's leads, outcomes,
/// SLA adherence and the MAU of its listings.
#[component]
fn Scorecards(scorecards: Vec<Scorecard>) -> impl IntoView {
    let pipeline: Vec<Bar> = scorecards
        .iter()
        .map(|s| Bar {
            label: s.name.clone(),
            value: s.sourced_pipeline_value as f64,
            display: money(s.sourced_pipeline_value),
        })
        .collect();
    view! {
        <section class="console-section" aria-labelledby="scorecards-title">
            <h2 id="scorecards-title">"Partner scorecards"</h2>
            <p class="muted">"Pipeline sourced through Mercato leads, outcomes, answers to leads within the SLA, and the usage of each partner’s listings."</p>
            <BarChart title="Sourced pipeline".to_string() bars=pipeline tick=money_tick value_name="Pipeline" />
            <DataTable caption="Scorecards" columns=vec![text("Partner"), num("Pipeline"), num("Won"), num("Lost"), num("Win rate"), num("Median cycle"), num("SLA adherence"), num("MAU")] show_caption=true>
                        {scorecards.into_iter().map(|s| view! {
                            <tr>
                                <th scope="row">{s.name}</th>
                                <td class="num">{money(s.sourced_pipeline_value)}</td>
                                <td class="num">{thousands(s.leads_won)}</td>
                                <td class="num">{thousands(s.leads_lost)}</td>
                                <td class="num">{or_dash(s.win_rate, percent)}</td>
                                <td class="num">{or_dash(s.median_cycle_days, |d| format!("{d:.0} days"))}</td>
                                <td class="num">{or_dash(s.sla_adherence, percent)}</td>
                                <td class="num">{thousands(s.mau)}</td>
                            </tr>
                        }).collect_view()}
                    </DataTable>
        </section>
    }
}
