//! Deal registrations: the partner registers an opportunity it brings (account, value,
//! expected close), sees conflicts with other partners' registrations, and closes it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::deals::{CloseDeal, DealRegistration, DealStatus};

use crate::api::{self, seg, ApiError};
use crate::islands::{start_submit, Failure, FormProblem, TextField};
use crate::portal::analytics::money;
use crate::portal::ui::{load, num, show, text, Chip, DataTable};

#[component]
pub fn Deals(partner: String) -> impl IntoView {
    let partner = StoredValue::new(partner);
    let base = move || {
        format!(
            "/api/v1/partners/{}/deal-registrations",
            seg(&partner.get_value())
        )
    };
    let data = load(move || {
        let path = base();
        async move { api::get::<Vec<DealRegistration>>(&path).await }
    });
    let changed = Callback::new(move |()| data.refetch());
    view! {
        <header class="console-head">
            <h1>"Deal registrations"</h1>
            <p class="muted">"Register the opportunities you bring so co-selling credit is yours. A registration for an account another partner registered first is marked as a conflict for the marketplace team to settle."</p>
        </header>
        <RegisterForm path=base() changed />
        {show(data, "your deal registrations", move |deals: Vec<DealRegistration>| {
            if deals.is_empty() {
                return view! { <p class="empty">"No registrations yet."</p> }.into_any();
            }
            view! {
                <DataTable caption="Deal registrations" columns=vec![text("Account"), num("Value"), text("Expected close"), text("Status"), text("Close")]>
                            {deals.into_iter().map(|d| {
                                let open = matches!(d.status, DealStatus::Active | DealStatus::Conflict);
                                let path = format!("{}/{}/close", base(), d.id);
                                view! {
                                    <tr>
                                        <th scope="row">{d.account_name.clone()}<span class="muted small block">{d.account_domain.clone()}</span></th>
                                        <td class="num">{money(d.value)}</td>
                                        <td>{d.expected_close.to_string()}</td>
                                        <td><Chip status=d.status.as_str().to_string() />
                                            {d.conflict_with.map(|c| view! { <span class="muted small block">{format!("Conflicts with registration {c}")}</span> })}</td>
                                        <td>{open.then(|| view! { <CloseDealButtons path account=d.account_name.clone() changed /> })}</td>
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
fn CloseDealButtons(path: String, account: String, changed: Callback<()>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let path = StoredValue::new(path);
    let close = move |status: DealStatus| {
        busy.set(true);
        spawn_local(async move {
            match api::post::<DealRegistration>(&path.get_value(), &CloseDeal { status }).await {
                Ok(_) => changed.run(()),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="actions">
            {[(DealStatus::Won, "Won"), (DealStatus::Lost, "Lost"), (DealStatus::Withdrawn, "Withdraw")].into_iter().map(|(s, label)| view! {
                <button type="button" class="button button--small button--quiet" disabled=move || busy.get()
                    aria-label=format!("{label}: {account}") on:click=move |_| close(s)>{label}</button>
            }).collect_view()}
        </div>
        {move || failure.get().map(|e| view! { <p class="form-problem" role="alert">{e.to_string()}</p> })}
    }
}

#[component]
fn RegisterForm(path: String, changed: Callback<()>) -> impl IntoView {
    let account_name = RwSignal::new(String::new());
    let account_domain = RwSignal::new(String::new());
    let value = RwSignal::new(String::new());
    let expected_close = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    let failure: Failure = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let path = StoredValue::new(path);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !start_submit(&ev, busy, failure) {
            return;
        }
        spawn_local(async move {
            // The API validates; a value or date the form cannot read is sent so it says why.
            let body = serde_json::json!({
                "account_name": account_name.get_untracked(),
                "account_domain": account_domain.get_untracked(),
                "value": value.get_untracked().trim().replace([',', '$'], "").parse::<i64>().unwrap_or(-1),
                "expected_close": expected_close.get_untracked(),
                "notes": Some(notes.get_untracked()).filter(|n| !n.trim().is_empty()),
            });
            match api::post::<DealRegistration>(&path.get_value(), &body).await {
                Ok(_) => {
                    for s in [account_name, account_domain, value, expected_close, notes] {
                        s.set(String::new());
                    }
                    changed.run(());
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <details class="panel">
            <summary class="panel__title">"Register a deal"</summary>
            <form class="form-grid" on:submit=submit novalidate>
                <FormProblem failure fields=&["account_name", "account_domain", "value", "expected_close", "notes"] />
                <TextField id="deal-account-name" name="account_name" label="Account name" value=account_name failure autocomplete="organization" />
                <TextField id="deal-account-domain" name="account_domain" label="Account domain" value=account_domain failure hint=Some("For example acme.com") />
                <TextField id="deal-value" name="value" label="Value in dollars" kind="number" value failure />
                <TextField id="deal-expected-close" name="expected_close" label="Expected close" kind="date" value=expected_close failure />
                <TextField id="deal-notes" name="notes" label="Notes (optional)" value=notes failure required=false />
                <button class="button" type="submit" disabled=move || busy.get()>"Register deal"</button>
            </form>
        </details>
    }
}
