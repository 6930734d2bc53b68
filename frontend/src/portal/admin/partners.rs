//! Partners: applications to approve, active partners to suspend, suspended ones to
//! reinstate; each partner's tier and certifications; and a way into its portal.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::partners::{
    Certification, Partner, PartnerStatus, PartnerSummary, SetCertificationsRequest,
    SetTierRequest, StatusNote, Tier,
};
use mercato_shared::api::Page;

use crate::api::{self, seg, ApiError};
use crate::portal::ui::{humanize, load, show, Chip};

#[component]
pub fn Partners() -> impl IntoView {
    let status = RwSignal::new(PartnerStatus::Applied);
    let data = load(move || {
        let path = format!(
            "/api/v1/partners?status={}&limit=100",
            status.get().as_str()
        );
        async move { api::get::<Page<PartnerSummary>>(&path).await }
    });
    let changed = Callback::new(move |()| data.refetch());
    view! {
        <header class="console-head">
            <h1>"Partners"</h1>
            <p class="muted">"Approve applications, set tiers and certifications, suspend partners who break the rules."</p>
        </header>
        <div class="tabs" role="group" aria-label="Partner status">
            {PartnerStatus::ALL.iter().map(|s| view! {
                <button type="button" class="tab" aria-pressed=move || (status.get() == *s).to_string()
                    on:click=move |_| status.set(*s)>{humanize(s.as_str())}</button>
            }).collect_view()}
        </div>
        {show(data, "the partners", move |page: Page<PartnerSummary>| {
            if page.items.is_empty() {
                return view! { <p class="empty">"No partners with this status."</p> }.into_any();
            }
            view! {
                <ul class="cards" role="list">
                    {page.items.into_iter().map(|p| view! { <PartnerRow partner=p changed /> }).collect_view()}
                </ul>
            }
            .into_any()
        })}
    }
}

#[component]
fn PartnerRow(partner: PartnerSummary, changed: Callback<()>) -> impl IntoView {
    let slug = StoredValue::new(partner.slug.clone());
    let base = move || format!("/api/v1/partners/{}", seg(&slug.get_value()));
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let note = RwSignal::new(String::new());
    let run = move |request: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<serde_json::Value, ApiError>>>,
    >| {
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            match request.await {
                Ok(_) => changed.run(()),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let decide = move |action: &'static str| {
        let body = StatusNote {
            note: Some(note.get_untracked()).filter(|n| !n.trim().is_empty()),
        };
        let path = format!("{}/{action}", base());
        run(Box::pin(async move {
            api::post::<serde_json::Value>(&path, &body).await
        }));
    };
    let set_tier = move |tier: Tier| {
        let path = format!("{}/tier", base());
        run(Box::pin(async move {
            api::put::<serde_json::Value>(&path, &SetTierRequest { tier }).await
        }));
    };
    let (action, label) = match partner.status {
        PartnerStatus::Applied => ("approve", "Approve"),
        PartnerStatus::Active => ("suspend", "Suspend"),
        PartnerStatus::Suspended => ("approve", "Reinstate"),
    };
    let title_id = format!("partner-{}-title", partner.slug);
    let labelled_by = title_id.clone();
    let note_id = format!("partner-{}-note", partner.slug);
    let tier_id = format!("partner-{}-tier", partner.slug);
    let current_tier = partner.tier;
    view! {
        <li class="card" aria-labelledby=labelled_by>
            <div class="lead__head">
                <h2 class="lead__title" id=title_id>{partner.name.clone()}</h2>
                <Chip status=partner.status.as_str().to_string() />
                {partner.certified.then(|| view! { <span class="chip chip--certified">"Certified"</span> })}
            </div>
            <p class="actions">
                <a href=format!("/partners/{}", partner.slug)>"Public page"</a>
                <a href=format!("/partner/{}", partner.slug)>"Open the portal"</a>
            </p>
            <div class="form-inline">
                <div class="field">
                    <label class="field__label" for=tier_id.clone()>"Tier"</label>
                    <select class="field__input" id=tier_id disabled=move || busy.get()
                        on:change=move |ev| if let Some(t) = Tier::parse(&event_target_value(&ev)) { set_tier(t) }>
                        {Tier::ALL.iter().map(|t| view! { <option value=t.as_str() selected=*t == current_tier>{humanize(t.as_str())}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field row__grow">
                    <label class="field__label" for=note_id.clone()>"Note (kept in the partner’s history)"</label>
                    <input class="field__input" id=note_id type="text" prop:value=move || note.get()
                        on:input=move |ev| note.set(event_target_value(&ev)) />
                </div>
                <button type="button" class="button button--small" disabled=move || busy.get()
                    on:click=move |_| decide(action)>{label}</button>
            </div>
            {move || failure.get().map(|e| view! { <p class="form-problem" role="alert">{e.to_string()}</p> })}
            <details>
                <summary>"Certifications"</summary>
                <Certifications slug=slug.get_value() />
            </details>
        </li>
    }
}

#[component]
fn Certifications(slug: String) -> impl IntoView {
    let slug = StoredValue::new(slug);
    let path = move || format!("/api/v1/partners/{}", seg(&slug.get_value()));
    let data = load(move || {
        let path = path();
        async move { api::get::<Partner>(&path).await }
    });
    // What went wrong last, from the form or from the API.
    let problem = RwSignal::new(None::<String>);
    let name = RwSignal::new(String::new());
    let issued = RwSignal::new(String::new());
    let expires = RwSignal::new(String::new());
    let save = move |certs: Vec<Certification>| {
        spawn_local(async move {
            let body = SetCertificationsRequest {
                certifications: certs,
            };
            match api::put::<serde_json::Value>(&format!("{}/certifications", path()), &body).await
            {
                Ok(_) => {
                    problem.set(None);
                    data.refetch();
                }
                Err(e) => problem.set(Some(
                    e.field("certifications[0].name")
                        .unwrap_or_else(|| e.to_string()),
                )),
            }
        });
    };
    let prefix = format!("cert-{}", slug.get_value());
    show(data, "the certifications", move |p: Partner| {
        let certs = p.certifications.clone();
        let add = {
            let certs = certs.clone();
            move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let Ok(issued_on) = NaiveDate::parse_from_str(&issued.get_untracked(), "%Y-%m-%d")
                else {
                    problem.set(Some("Enter the date it was issued.".into()));
                    return;
                };
                let expires_on =
                    NaiveDate::parse_from_str(&expires.get_untracked(), "%Y-%m-%d").ok();
                let mut all = certs.clone();
                all.push(Certification {
                    name: name.get_untracked(),
                    issued_on,
                    expires_on,
                });
                save(all);
            }
        };
        let (n_id, i_id, e_id) = (
            format!("{prefix}-name"),
            format!("{prefix}-issued"),
            format!("{prefix}-expires"),
        );
        view! {
            <ul role="list" class="stack">
                {certs.iter().enumerate().map(|(i, c)| {
                    let rest: Vec<Certification> = certs.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, c)| c.clone()).collect();
                    let rest = StoredValue::new(rest);
                    view! {
                        <li>{format!("{} · issued {}{}", c.name, c.issued_on, c.expires_on.map(|e| format!(" · expires {e}")).unwrap_or_default())}
                            " " <button type="button" class="button button--small button--quiet"
                                aria-label=format!("Remove certification {}", c.name)
                                on:click=move |_| save(rest.get_value())>"Remove"</button></li>
                    }
                }).collect_view()}
            </ul>
            <form class="form-inline" on:submit=add novalidate>
                <div class="field"><label class="field__label" for=n_id.clone()>"Certification"</label>
                    <input class="field__input" id=n_id type="text" on:input=move |ev| name.set(event_target_value(&ev)) /></div>
                <div class="field"><label class="field__label" for=i_id.clone()>"Issued on"</label>
                    <input class="field__input" id=i_id type="date" on:input=move |ev| issued.set(event_target_value(&ev)) /></div>
                <div class="field"><label class="field__label" for=e_id.clone()>"Expires on (optional)"</label>
                    <input class="field__input" id=e_id type="date" on:input=move |ev| expires.set(event_target_value(&ev)) /></div>
                <button class="button button--small" type="submit">"Add certification"</button>
            </form>
            {move || problem.get().map(|e| view! { <p class="form-problem" role="alert">{e}</p> })}
        }
    })
}
