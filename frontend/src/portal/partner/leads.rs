//! The leads inbox: leads Mercato routed to the partner, newest first, each with its SLA
//! countdown (ticking) while it waits for an answer, and the pipeline actions its status
//! allows: accept or decline; qualify; won (with the deal's value) or lost (with the reason).

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::leads::{DeclineLead, Lead, LeadStatus, MoveLead};

use crate::api::{self, seg, ApiError};
use crate::portal::analytics::money;
use crate::portal::ui::{duration, humanize, load, now_ms, show, when, Chip};

/// An SLA within this much of its deadline is marked as due soon.
const DUE_SOON_MS: i64 = 2 * 3600 * 1000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Filter {
    Open,
    Won,
    Lost,
    All,
}

impl Filter {
    const ALL: [(Filter, &'static str); 4] = [
        (Filter::Open, "Open"),
        (Filter::Won, "Won"),
        (Filter::Lost, "Lost"),
        (Filter::All, "All"),
    ];

    fn keeps(self, status: LeadStatus) -> bool {
        match self {
            Filter::Open => matches!(
                status,
                LeadStatus::Routed | LeadStatus::Accepted | LeadStatus::Qualified
            ),
            Filter::Won => status == LeadStatus::Won,
            Filter::Lost => status == LeadStatus::Lost,
            Filter::All => true,
        }
    }
}

/// What the SLA clock says about a lead at `now` (milliseconds): `None` when no answer is due.
pub fn sla(lead: &Lead, now: i64) -> Option<(String, &'static str)> {
    let due = lead.sla_due_at?.timestamp_millis();
    if lead.status != LeadStatus::Routed {
        return None;
    }
    let left = due - now;
    Some(if left <= 0 {
        (
            format!("SLA overdue by {}", duration(left)),
            "sla sla--late",
        )
    } else if left <= DUE_SOON_MS {
        (format!("Answer within {}", duration(left)), "sla sla--soon")
    } else {
        (format!("Answer within {}", duration(left)), "sla")
    })
}

#[component]
pub fn Leads(partner: String) -> impl IntoView {
    let partner = StoredValue::new(partner);
    let data = load(move || async move {
        api::get::<Vec<Lead>>(&format!(
            "/api/v1/partners/{}/leads",
            seg(&partner.get_value())
        ))
        .await
    });
    let filter = RwSignal::new(Filter::Open);
    let now = RwSignal::new(now_ms());
    if let Ok(handle) = set_interval_with_handle(move || now.set(now_ms()), Duration::from_secs(15))
    {
        on_cleanup(move || handle.clear());
    }
    let changed = Callback::new(move |()| data.refetch());
    view! {
        <header class="console-head">
            <h1>"Leads"</h1>
            <p class="muted">"Customers who asked for an intro or for help, routed to you. Answer within the SLA or the lead goes to another partner."</p>
        </header>
        <div class="tabs" role="group" aria-label="Show leads">
            {Filter::ALL.iter().map(|(f, label)| view! {
                <button type="button" class="tab" aria-pressed=move || (filter.get() == *f).to_string()
                    on:click=move |_| filter.set(*f)>{*label}</button>
            }).collect_view()}
        </div>
        {show(data, "your leads", move |leads: Vec<Lead>| {
            move || {
                let shown: Vec<Lead> = leads.iter().filter(|l| filter.get().keeps(l.status)).cloned().collect();
                if shown.is_empty() {
                    return view! { <p class="empty">"No leads here."</p> }.into_any();
                }
                view! {
                    <ul class="cards" role="list">
                        {shown.into_iter().map(|lead| view! { <LeadCard lead now changed /> }).collect_view()}
                    </ul>
                }
                .into_any()
            }
        })}
    }
}

/// Which form a lead card has open.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Asking {
    Nothing,
    Decline,
    Won,
    Lost,
}

#[component]
fn LeadCard(lead: Lead, now: RwSignal<i64>, changed: Callback<()>) -> impl IntoView {
    let id = lead.id;
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let asking = RwSignal::new(Asking::Nothing);
    let text = RwSignal::new(String::new());
    let sla_lead = lead.clone();
    let clock = move || sla(&sla_lead, now.get());

    let act = move |path: &'static str, body: serde_json::Value| {
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            let result =
                api::post::<serde_json::Value>(&format!("/api/v1/leads/{id}/{path}"), &body).await;
            busy.set(false);
            match result {
                Ok(_) => changed.run(()),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let move_to = move |status: LeadStatus, deal_value: Option<i64>, reason: Option<String>| {
        let body = MoveLead {
            status,
            deal_value,
            reason,
        };
        act("status", serde_json::to_value(body).unwrap_or_default());
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = text.get_untracked();
        match asking.get_untracked() {
            Asking::Decline => act(
                "decline",
                serde_json::to_value(DeclineLead { reason: value }).unwrap_or_default(),
            ),
            Asking::Lost => move_to(LeadStatus::Lost, None, Some(value)),
            Asking::Won => {
                let amount = value.trim().trim_start_matches('$').replace(',', "");
                move_to(LeadStatus::Won, Some(amount.parse().unwrap_or(0)), None)
            }
            Asking::Nothing => {}
        }
    };
    let field = move || match asking.get() {
        Asking::Won => "deal_value",
        _ => "reason",
    };
    let error = move || failure.with(|f| f.as_ref().and_then(|e| e.field(field())));
    let other_problem = move || {
        failure.with(|f| {
            f.as_ref()
                .filter(|e| e.field("reason").is_none() && e.field("deal_value").is_none())
                .map(|e| e.to_string())
        })
    };
    let status = lead.status;
    let title_id = format!("lead-{id}-title");
    let labelled_by = title_id.clone();
    let input_id = format!("lead-{id}-input");
    let error_id = format!("lead-{id}-error");
    let closed = match status {
        LeadStatus::Won => lead.deal_value.map(|v| format!("Won · {}", money(v))),
        LeadStatus::Lost => lead.lost_reason.clone().map(|r| format!("Lost · {r}")),
        _ => None,
    };

    view! {
        <li class="card lead" aria-labelledby=labelled_by>
            <div class="lead__head">
                <h2 class="lead__title" id=title_id>{lead.company_name.clone()}</h2>
                <Chip status=status.as_str().to_string() />
                <span class="muted small">{humanize(lead.kind.as_str())}</span>
                {move || clock().map(|(text, class)| view! { <span class=class role="timer">{text}</span> })}
            </div>
            <p class="lead__contact">
                {lead.contact_name.clone()} " · " <a href=format!("mailto:{}", lead.email)>{lead.email.clone()}</a>
                " · " {lead.company_domain.clone()}
                {lead.listing.clone().map(|l| view! { " · about " <a href=format!("/integrations/{l}")>{l.clone()}</a> })}
            </p>
            <blockquote class="lead__message">{lead.message.clone()}</blockquote>
            <p class="muted small">{format!("Received {}", when(&lead.created_at))}
                {(lead.merged_count > 0).then(|| format!(" · {} more requests merged into this one", lead.merged_count))}</p>
            {closed.map(|c| view! { <p class="lead__outcome"><strong>{c}</strong></p> })}
            <div class="lead__actions">
                {match status {
                    LeadStatus::Routed => view! {
                        <button class="button button--small" type="button" disabled=move || busy.get()
                            on:click=move |_| act("accept", serde_json::json!({}))>"Accept"</button>
                        <button class="button button--small button--secondary" type="button" disabled=move || busy.get()
                            on:click=move |_| { text.set(String::new()); asking.set(Asking::Decline) }>"Decline"</button>
                    }.into_any(),
                    LeadStatus::Accepted => view! {
                        <button class="button button--small" type="button" disabled=move || busy.get()
                            on:click=move |_| move_to(LeadStatus::Qualified, None, None)>"Qualify"</button>
                        <button class="button button--small button--secondary" type="button" disabled=move || busy.get()
                            on:click=move |_| { text.set(String::new()); asking.set(Asking::Lost) }>"Mark lost"</button>
                    }.into_any(),
                    LeadStatus::Qualified => view! {
                        <button class="button button--small" type="button" disabled=move || busy.get()
                            on:click=move |_| { text.set(String::new()); asking.set(Asking::Won) }>"Mark won"</button>
                        <button class="button button--small button--secondary" type="button" disabled=move || busy.get()
                            on:click=move |_| { text.set(String::new()); asking.set(Asking::Lost) }>"Mark lost"</button>
                    }.into_any(),
                    _ => ().into_any(),
                }}
            </div>
            {move || (asking.get() != Asking::Nothing).then(|| {
                let (label, button, kind) = match asking.get() {
                    Asking::Won => ("Deal value in dollars", "Mark as won", "number"),
                    Asking::Lost => ("Why was it lost?", "Mark as lost", "text"),
                    _ => ("Why are you declining? (the lead goes to another partner)", "Decline lead", "text"),
                };
                let (input_id, error_id) = (input_id.clone(), error_id.clone());
                view! {
                    <form class="lead__form" on:submit=confirm novalidate>
                        <div class="field">
                            <label class="field__label" for=input_id.clone()>{label}</label>
                            <input class="field__input" id=input_id type=kind min="1"
                                prop:value=move || text.get()
                                on:input=move |ev| text.set(event_target_value(&ev))
                                aria-invalid=move || error().is_some().then_some("true")
                                aria-describedby=error_id.clone() />
                            <p class="field__error" id=error_id>{error}</p>
                        </div>
                        <button class="button button--small" type="submit" disabled=move || busy.get()>{button}</button>
                        <button class="button button--small button--quiet" type="button"
                            on:click=move |_| { asking.set(Asking::Nothing); failure.set(None) }>"Cancel"</button>
                    </form>
                }
            })}
            {move || other_problem().map(|p| view! { <p class="form-problem" role="alert">{p}</p> })}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use mercato_shared::api::leads::LeadKind;

    fn lead(status: LeadStatus, due_ms: i64) -> Lead {
        Lead {
            id: 1,
            kind: LeadKind::Intro,
            listing: None,
            category: None,
            region: None,
            contact_name: "Ada".into(),
            email: "ada@example.com".into(),
            company_name: "Acme".into(),
            company_domain: "acme.example".into(),
            message: "Hi".into(),
            status,
            partner: Some("p".into()),
            routed_at: None,
            sla_due_at: Utc.timestamp_millis_opt(due_ms).single(),
            accepted_at: None,
            closed_at: None,
            deal_value: None,
            lost_reason: None,
            merged_count: 0,
            created_at: Utc.timestamp_millis_opt(0).single().unwrap(),
        }
    }

    #[test]
    fn the_sla_clock_counts_down_and_then_up() {
        let hour = 3_600_000;
        let now = 1_000 * hour;
        let waiting = lead(LeadStatus::Routed, now + 5 * hour);
        assert_eq!(
            sla(&waiting, now),
            Some(("Answer within 5 h 0 min".into(), "sla"))
        );
        let soon = lead(LeadStatus::Routed, now + hour);
        assert_eq!(sla(&soon, now).unwrap().1, "sla sla--soon");
        let late = lead(LeadStatus::Routed, now - 2 * hour);
        assert_eq!(
            sla(&late, now),
            Some(("SLA overdue by 2 h 0 min".into(), "sla sla--late"))
        );
        assert_eq!(sla(&lead(LeadStatus::Accepted, now), now), None);
    }
}
