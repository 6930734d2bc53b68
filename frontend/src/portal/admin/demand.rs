//! The demand board: integrations customers asked for, by votes, and linking a request to the
//! listing that ships it (its voters become leads for that listing's partner).

use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::integration_requests::{IntegrationRequest, ShipRequest, Shipped};
use mercato_shared::api::Page;

use crate::api::{self, ApiError};
use crate::pages::listing::thousands;
use crate::portal::analytics::count;
use crate::portal::charts::{Bar, BarChart};
use crate::portal::ui::{load, show, when};

#[component]
pub fn Demand() -> impl IntoView {
    let data = load(|| async {
        let open = api::get::<Page<IntegrationRequest>>(
            "/api/v1/integration-requests?status=open&limit=100",
        )
        .await?;
        let shipped = api::get::<Page<IntegrationRequest>>(
            "/api/v1/integration-requests?status=shipped&limit=100",
        )
        .await?;
        Ok((open.items, shipped.items))
    });
    let changed = Callback::new(move |()| data.refetch());
    view! {
        <header class="console-head">
            <h1>"Demand board"</h1>
            <p class="muted">"What customers ask for, by votes. When a listing ships a request, link it: the voters who agreed to be contacted become leads for its partner."</p>
        </header>
        {show(data, "the demand board", move |(mut open, shipped): (Vec<IntegrationRequest>, Vec<IntegrationRequest>)| {
            open.sort_by_key(|r| std::cmp::Reverse(r.votes));
            let bars: Vec<Bar> = open.iter().take(12).map(|r| Bar {
                label: r.tool.clone(),
                value: r.votes as f64,
                display: format!("{} votes", thousands(r.votes)),
            }).collect();
            view! {
                <BarChart title="Most requested".to_string() bars tick=count value_name="Votes" />
                <section class="console-section" aria-labelledby="open-title">
                    <h2 id="open-title">"Open requests"</h2>
                    <ul class="cards" role="list">
                        {open.into_iter().map(|r| view! { <RequestRow request=r changed /> }).collect_view()}
                    </ul>
                </section>
                <section class="console-section" aria-labelledby="shipped-title">
                    <h2 id="shipped-title">"Shipped"</h2>
                    {if shipped.is_empty() {
                        view! { <p class="empty">"Nothing shipped yet."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="stack" role="list">
                                {shipped.into_iter().map(|r| view! {
                                    <li>{format!("{} — {} ({} votes)", r.tool, r.use_case, r.votes)}
                                        {r.listing.map(|l| view! { " → " <a href=format!("/integrations/{l}")>{l.clone()}</a> })}
                                        {r.shipped_at.map(|at| view! { <span class="muted small">{format!(" · {}", when(&at))}</span> })}</li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
            }
        })}
    }
}

#[component]
fn RequestRow(request: IntegrationRequest, changed: Callback<()>) -> impl IntoView {
    let id = request.id;
    let listing = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let done = RwSignal::new(None::<usize>);
    let ship = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            let body = ShipRequest {
                listing: listing.get_untracked().trim().to_string(),
            };
            match api::post::<Shipped>(
                &format!("/api/v1/admin/integration-requests/{id}/ship"),
                &body,
            )
            .await
            {
                Ok(s) => {
                    done.set(Some(s.leads_created));
                    changed.run(());
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let input_id = format!("ship-{id}");
    let error = move || {
        failure.with(|f| {
            f.as_ref()
                .map(|e| e.field("listing").unwrap_or_else(|| e.to_string()))
        })
    };
    view! {
        <li class="card">
            <p><strong>{request.tool.clone()}</strong>{format!(" — {}", request.use_case)}</p>
            <p class="muted small">{format!("{} votes · asked {}", thousands(request.votes), when(&request.created_at))}</p>
            <form class="form-inline" on:submit=ship novalidate>
                <div class="field"><label class="field__label" for=input_id.clone()>"Shipped as listing (address)"</label>
                    <input class="field__input" id=input_id type="text" prop:value=move || listing.get()
                        on:input=move |ev| listing.set(event_target_value(&ev))
                        aria-invalid=move || failure.with(|f| f.is_some()).then_some("true") /></div>
                <button class="button button--small" type="submit" disabled=move || busy.get()>"Mark shipped"</button>
            </form>
            {move || error().map(|e| view! { <p class="field__error" role="alert">{e}</p> })}
            {move || done.get().map(|n| view! { <p role="status">{format!("Shipped; {n} leads created.")}</p> })}
        </li>
    }
}
