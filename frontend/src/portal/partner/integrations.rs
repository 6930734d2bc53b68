//! The partner's integration credentials: API keys (for reporting usage; the secret is shown
//! once, when it is created) and webhook endpoints (events to subscribe, the signing secret
//! shown once, the delivery log with each attempt, and redelivery).

use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::usage::{ApiKey, CreateApiKey, CreatedApiKey};
use mercato_shared::api::webhooks::{
    CreateWebhookEndpoint, EndpointStatus, UpdateWebhookEndpoint, WebhookDelivery, WebhookEndpoint,
    WebhookEndpointWithSecret, WebhookEvent,
};
use mercato_shared::api::Page;

use crate::api::{self, seg, ApiError};
use crate::islands::{start_submit, Failure, FormProblem, TextField};
use crate::portal::ui::{load, show, text, when, Chip, DataTable};

/// A secret the API shows only once, with the warning that goes with it.
#[component]
fn SecretOnce(title: &'static str, secret: String, use_for: &'static str) -> impl IntoView {
    view! {
        <div class="callout callout--success secret" role="status">
            <h2 class="callout__title">{title}</h2>
            <p>{format!("Copy it now: this is the only time Mercato shows it. {use_for}")}</p>
            <label class="field__label" for="new-secret">"Secret"</label>
            <input class="field__input secret__value" id="new-secret" type="text" readonly value=secret
                on:focus=move |ev| { event_target::<web_sys::HtmlInputElement>(&ev).select(); } />
        </div>
    }
}

#[component]
pub fn ApiKeys(partner: String) -> impl IntoView {
    let partner = StoredValue::new(partner);
    let base = move || format!("/api/v1/partners/{}/api-keys", seg(&partner.get_value()));
    let data = load(move || {
        let path = base();
        async move { api::get::<Vec<ApiKey>>(&path).await }
    });
    let created = RwSignal::new(None::<CreatedApiKey>);
    let name = RwSignal::new(String::new());
    let failure: Failure = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !start_submit(&ev, busy, failure) {
            return;
        }
        created.set(None);
        spawn_local(async move {
            let body = CreateApiKey {
                name: name.get_untracked(),
            };
            match api::post::<CreatedApiKey>(&base(), &body).await {
                Ok(key) => {
                    created.set(Some(key));
                    name.set(String::new());
                    data.refetch();
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let revoking = RwSignal::new(None::<i64>);
    let revoke_failure = RwSignal::new(None::<ApiError>);
    let revoke = move |id: i64| {
        if revoking.get_untracked() != Some(id) {
            revoking.set(Some(id));
            return;
        }
        spawn_local(async move {
            match api::delete(&format!("{}/{id}", base())).await {
                Ok(()) => {
                    revoking.set(None);
                    data.refetch();
                }
                Err(e) => revoke_failure.set(Some(e)),
            }
        });
    };
    view! {
        <header class="console-head">
            <h1>"API keys"</h1>
            <p class="muted">"Keys let your integration report product usage to Mercato (" <code>"POST /api/v1/usage"</code> "), which powers your MAU and adoption figures."</p>
        </header>
        <form class="panel form-inline" on:submit=submit novalidate>
            <FormProblem failure fields=&["name"] />
            <TextField id="api-key-name" name="name" label="Key name" value=name failure hint=Some("Where it is used, e.g. “Production sync worker”.") />
            <button class="button" type="submit" disabled=move || busy.get()>"Create key"</button>
        </form>
        {move || created.get().map(|k| view! {
            <SecretOnce title="Your new API key" secret=k.secret use_for="Send it as “Authorization: Bearer <key>”." />
        })}
        {move || revoke_failure.get().map(|e| view! { <p class="form-problem" role="alert">{e.to_string()}</p> })}
        {show(data, "your API keys", move |keys: Vec<ApiKey>| {
            if keys.is_empty() {
                return view! { <p class="empty">"No keys yet."</p> }.into_any();
            }
            view! {
                <DataTable caption="API keys" columns=vec![text("Name"), text("Key"), text("Created"), text("Last used"), text("Status")]>
                            {keys.into_iter().map(|k| {
                                let id = k.id;
                                let name = k.name.clone();
                                view! {
                                    <tr>
                                        <th scope="row">{k.name.clone()}</th>
                                        <td><code>{format!("{}…", k.prefix)}</code></td>
                                        <td>{when(&k.created_at)}</td>
                                        <td>{k.last_used_at.as_ref().map_or("Never".to_string(), when)}</td>
                                        <td>{match k.revoked_at {
                                            Some(at) => view! { <span>{format!("Revoked {}", when(&at))}</span> }.into_any(),
                                            None => view! {
                                                <button type="button" class="button button--small button--danger"
                                                    aria-label=move || if revoking.get() == Some(id) { format!("Confirm revoking {name}") } else { format!("Revoke {name}") }
                                                    on:click=move |_| revoke(id)>
                                                    {move || if revoking.get() == Some(id) { "Confirm revoke" } else { "Revoke" }}
                                                </button>
                                            }.into_any(),
                                        }}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </DataTable>
            }
            .into_any()
        })}
    }
}

#[component]
pub fn Webhooks(partner: String) -> impl IntoView {
    let partner = StoredValue::new(partner);
    let base = move || format!("/api/v1/partners/{}/webhooks", seg(&partner.get_value()));
    let data = load(move || {
        let path = base();
        async move { api::get::<Vec<WebhookEndpoint>>(&path).await }
    });
    let created = RwSignal::new(None::<String>);
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let events = RwSignal::new(vec![WebhookEvent::LeadRouted]);
    let failure: Failure = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !start_submit(&ev, busy, failure) {
            return;
        }
        created.set(None);
        spawn_local(async move {
            let body = CreateWebhookEndpoint {
                url: url.get_untracked(),
                events: events.get_untracked(),
                description: Some(description.get_untracked()).filter(|d| !d.trim().is_empty()),
            };
            match api::post::<WebhookEndpointWithSecret>(&base(), &body).await {
                Ok(made) => {
                    created.set(Some(made.secret));
                    url.set(String::new());
                    description.set(String::new());
                    data.refetch();
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let events_error = move || failure.with(|f| f.as_ref().and_then(|e| e.field("events")));
    let changed = Callback::new(move |()| data.refetch());
    view! {
        <header class="console-head">
            <h1>"Webhooks"</h1>
            <p class="muted">"Mercato posts events to your endpoints, signed with the endpoint’s secret (header " <code>"Mercato-Signature"</code> "), and retries failures with backoff."</p>
        </header>
        <details class="panel">
            <summary class="panel__title">"Add an endpoint"</summary>
            <form class="form-grid" on:submit=submit novalidate>
                <FormProblem failure fields=&["url", "events", "description"] />
                <TextField id="webhook-url" name="url" label="Endpoint URL" kind="url" value=url failure hint=Some("A public https URL.") />
                <TextField id="webhook-description" name="description" label="Description (optional)" value=description failure required=false />
                <fieldset class="field" aria-invalid=move || events_error().is_some().then_some("true")>
                    <legend class="field__label">"Events"</legend>
                    <div class="checks">
                        {WebhookEvent::ALL.iter().map(|e| {
                            let e = *e;
                            view! {
                                <label class="check">
                                    <input type="checkbox" prop:checked=move || events.with(|v| v.contains(&e))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            events.update(|v| { v.retain(|x| *x != e); if on { v.push(e); } });
                                        } />
                                    <code>{e.as_str()}</code>
                                </label>
                            }
                        }).collect_view()}
                    </div>
                    {move || events_error().map(|e| view! { <p class="field__error">{e}</p> })}
                </fieldset>
                <button class="button" type="submit" disabled=move || busy.get()>"Add endpoint"</button>
            </form>
        </details>
        {move || created.get().map(|secret| view! {
            <SecretOnce title="Your endpoint’s signing secret" secret use_for="Use it to verify the signature of every delivery." />
        })}
        {show(data, "your webhook endpoints", move |endpoints: Vec<WebhookEndpoint>| {
            if endpoints.is_empty() {
                return view! { <p class="empty">"No endpoints yet."</p> }.into_any();
            }
            view! {
                <ul class="cards" role="list">
                    {endpoints.into_iter().map(|e| view! { <Endpoint endpoint=e base=base() changed /> }).collect_view()}
                </ul>
            }
            .into_any()
        })}
    }
}

#[component]
fn Endpoint(endpoint: WebhookEndpoint, base: String, changed: Callback<()>) -> impl IntoView {
    let path = StoredValue::new(format!("{base}/{}", endpoint.id));
    let failure = RwSignal::new(None::<ApiError>);
    let enabled = endpoint.status == EndpointStatus::Active;
    let toggle = move |_| {
        spawn_local(async move {
            let body = UpdateWebhookEndpoint {
                enabled: Some(!enabled),
                ..Default::default()
            };
            match api::patch::<WebhookEndpoint>(&path.get_value(), &body).await {
                Ok(_) => changed.run(()),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let confirm_delete = RwSignal::new(false);
    let remove = move |_| {
        if !confirm_delete.get_untracked() {
            confirm_delete.set(true);
            return;
        }
        spawn_local(async move {
            match api::delete(&path.get_value()).await {
                Ok(()) => changed.run(()),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let deliveries = load(move || async move {
        api::get::<Page<WebhookDelivery>>(&format!("{}/deliveries?limit=20", path.get_value()))
            .await
    });
    let title_id = format!("endpoint-{}-title", endpoint.id);
    let labelled_by = title_id.clone();
    view! {
        <li class="card" aria-labelledby=labelled_by>
            <div class="lead__head">
                <h2 class="lead__title" id=title_id><code>{endpoint.url.clone()}</code></h2>
                <Chip status=endpoint.status.as_str().to_string() />
            </div>
            {(!endpoint.description.is_empty()).then(|| view! { <p>{endpoint.description.clone()}</p> })}
            <p class="muted small">{endpoint.events.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ")}</p>
            {endpoint.disabled_reason.clone().map(|r| view! { <p class="callout callout--warning">{format!("Disabled: {r}")}</p> })}
            {(endpoint.consecutive_failures > 0).then(|| view! {
                <p class="callout callout--warning">{format!("{} failed deliveries in a row", endpoint.consecutive_failures)}</p>
            })}
            <div class="actions">
                <button type="button" class="button button--small button--secondary" on:click=toggle>
                    {if enabled { "Disable" } else { "Enable" }}</button>
                <button type="button" class="button button--small button--danger" on:click=remove>
                    {move || if confirm_delete.get() { "Confirm delete" } else { "Delete" }}</button>
            </div>
            {move || failure.get().map(|e| view! { <p class="form-problem" role="alert">{e.to_string()}</p> })}
            <details class="deliveries">
                <summary>"Delivery log"</summary>
                {show(deliveries, "the deliveries", move |page: Page<WebhookDelivery>| {
                    if page.items.is_empty() {
                        return view! { <p class="empty">"Nothing delivered yet."</p> }.into_any();
                    }
                    view! {
                        <table class="data-table">
                            <caption class="visually-hidden">"Latest deliveries"</caption>
                            <thead><tr><th scope="col">"Event"</th><th scope="col">"Status"</th><th scope="col">"Attempts"</th>
                                <th scope="col">"Last answer"</th><th scope="col">"Created"</th><th scope="col">"Redeliver"</th></tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|d| view! {
                                    <tr>
                                        <th scope="row"><code>{d.event.as_str()}</code></th>
                                        <td><Chip status=d.status.as_str().to_string() /></td>
                                        <td class="num">{d.attempts}</td>
                                        <td>{d.last_status_code.map(|c| format!("HTTP {c}")).or(d.last_error.clone()).unwrap_or_else(|| "—".into())}</td>
                                        <td>{when(&d.created_at)}</td>
                                        <td><Redeliver path=format!("{}/deliveries/{}/redeliver", path.get_value(), d.id) deliveries /></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                    .into_any()
                })}
            </details>
        </li>
    }
}

#[component]
fn Redeliver(
    path: String,
    deliveries: crate::portal::ui::Loaded<Page<WebhookDelivery>>,
) -> impl IntoView {
    let path = StoredValue::new(path);
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let send = move |_| {
        busy.set(true);
        spawn_local(async move {
            match api::post::<WebhookDelivery>(&path.get_value(), &serde_json::json!({})).await {
                Ok(_) => deliveries.refetch(),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <button type="button" class="button button--small button--quiet" disabled=move || busy.get() on:click=send>"Redeliver"</button>
        {move || failure.get().map(|e| view! { <span class="field__error">{e.to_string()}</span> })}
    }
}
