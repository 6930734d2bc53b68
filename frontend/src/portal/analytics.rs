//! The analyst view (`/analytics`, admins and analysts): the adoption ranking (MAU and adoption
//! per listing) and the churn of workspaces by how many integrations they run, as charts.

use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::analytics::{AdoptionRanking, ChurnReport};
use mercato_shared::api::auth::{Me, UserRole};

use super::charts::{Bar, BarChart};
use super::gate::{admit, Admission, NotAllowed};
use crate::api::{self, ApiError};
use crate::components::{ErrorNotice, Loading};
use crate::pages::listing::thousands;

/// How many listings the ranking charts show.
const RANKED: u32 = 15;

fn staff(me: &Me) -> bool {
    matches!(me.role, UserRole::Admin | UserRole::Analyst)
}

#[derive(Debug, Clone, PartialEq)]
enum Console {
    /// The server's render, and while the session is checked.
    Checking,
    NotAllowed,
    Loading,
    Failed(ApiError),
    Ready(Box<(AdoptionRanking, ChurnReport)>),
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn count(n: f64) -> String {
    thousands(n.round() as i64)
}

/// A bar for a share: "12% · 3 of 25".
fn share_bar(label: String, share: f64, part: i64, whole: i64) -> Bar {
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

#[island]
pub fn AnalyticsConsole() -> impl IntoView {
    let console = RwSignal::new(Console::Checking);
    let load = move || {
        console.set(Console::Loading);
        spawn_local(async move {
            let answer = async { Ok((api::adoption(RANKED).await?, api::churn().await?)) }.await;
            console.set(match answer {
                Ok(data) => Console::Ready(Box::new(data)),
                Err(ApiError::SignedOut) => {
                    admit(staff);
                    Console::Checking
                }
                Err(e) => Console::Failed(e),
            });
        });
    };
    Effect::new(move |_| match admit(staff) {
        Admission::Admitted(_) => load(),
        Admission::NotAllowed => console.set(Console::NotAllowed),
        Admission::SigningIn => {}
    });

    move || match console.get() {
        Console::Checking | Console::Loading => {
            view! { <Loading message="Loading analytics…" /> }.into_any()
        }
        Console::NotAllowed => {
            view! { <NotAllowed audience="marketplace admins and analysts" /> }.into_any()
        }
        Console::Failed(error) => view! {
            <ErrorNotice what="the analytics" error on_retry=Callback::new(move |()| load()) />
        }
        .into_any(),
        Console::Ready(data) => {
            let (ranking, churn) = *data;
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
            let churn_bars: Vec<Bar> = churn
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
                <section class="console-section" aria-labelledby="churn-title">
                    <h2 id="churn-title">"Churn by integrations in use"</h2>
                    <p class="muted">{format!(
                        "Share of workspaces that churned between {} and {}, by how many integrations they had active when the period began.",
                        churn.from, churn.to
                    )}</p>
                    <BarChart title="Churn rate".to_string() bars=churn_bars tick=percent value_name="Churn rate" />
                </section>
            }
            .into_any()
        }
    }
}
