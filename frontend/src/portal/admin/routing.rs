//! Lead routing rules: the SLA partners have to answer a lead, which services partners get
//! implementation-help requests (by category and region), and who gets the rest.

use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::leads::{RoutingRules, ServicesRule};
use mercato_shared::api::partners::Region;

use crate::api::{self, ApiError};
use crate::portal::ui::{humanize, load, show};

#[derive(Clone, Copy)]
struct RuleRow {
    key: u32,
    partner: RwSignal<String>,
    categories: RwSignal<String>,
    regions: RwSignal<Vec<Region>>,
}

fn row(key: u32, r: ServicesRule) -> RuleRow {
    RuleRow {
        key,
        partner: RwSignal::new(r.partner),
        categories: RwSignal::new(r.categories.join(", ")),
        regions: RwSignal::new(r.regions),
    }
}

#[component]
pub fn Routing() -> impl IntoView {
    let data = load(|| api::get::<RoutingRules>("/api/v1/admin/routing-rules"));
    view! {
        <header class="console-head">
            <h1>"Lead routing"</h1>
            <p class="muted">"Intro requests go to the listing’s partner. Implementation help goes to the first services partner whose rule matches the lead’s category and region; anything else goes to the fallback partner."</p>
        </header>
        {show(data, "the routing rules", |rules: RoutingRules| view! { <RulesForm rules /> })}
    }
}

#[component]
fn RulesForm(rules: RoutingRules) -> impl IntoView {
    let sla = RwSignal::new(rules.sla_hours.to_string());
    let other = RwSignal::new(rules.other.clone().unwrap_or_default());
    let count = rules.implementation_help.len() as u32;
    let rows = RwSignal::new(
        rules
            .implementation_help
            .into_iter()
            .enumerate()
            .map(|(i, r)| row(i as u32, r))
            .collect::<Vec<_>>(),
    );
    let next = RwSignal::new(count);
    let failure = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let message = move |field: String| failure.with(|f| f.as_ref().and_then(|e| e.field(&field)));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        saved.set(false);
        failure.set(None);
        spawn_local(async move {
            // An SLA the form cannot read goes as 0 so the API names the field.
            let body = RoutingRules {
                sla_hours: sla.get_untracked().trim().parse().unwrap_or(0),
                implementation_help: rows
                    .get_untracked()
                    .iter()
                    .map(|r| ServicesRule {
                        partner: r.partner.get_untracked().trim().to_string(),
                        categories: r
                            .categories
                            .get_untracked()
                            .split(',')
                            .map(|c| c.trim().to_string())
                            .filter(|c| !c.is_empty())
                            .collect(),
                        regions: r.regions.get_untracked(),
                    })
                    .collect(),
                other: Some(other.get_untracked().trim().to_string()).filter(|o| !o.is_empty()),
            };
            match api::put::<RoutingRules>("/api/v1/admin/routing-rules", &body).await {
                Ok(_) => saved.set(true),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let add = move |_| {
        let key = next.get_untracked();
        next.set(key + 1);
        rows.update(|r| {
            r.push(row(
                key,
                ServicesRule {
                    partner: String::new(),
                    categories: Vec::new(),
                    regions: Vec::new(),
                },
            ))
        });
    };
    view! {
        <form class="editor" on:submit=save novalidate>
            {move || failure.with(|f| f.as_ref().filter(|e| matches!(e, ApiError::Problem(p) if p.errors.is_empty()) || !matches!(e, ApiError::Problem(_))).map(|e| view! { <p class="form-problem" role="alert">{e.to_string()}</p> }))}
            <div class="field">
                <label class="field__label" for="routing-sla">"Hours partners have to answer a lead"</label>
                <input class="field__input field__input--short" id="routing-sla" type="number" min="1"
                    prop:value=move || sla.get() on:input=move |ev| sla.set(event_target_value(&ev))
                    aria-invalid=move || message("sla_hours".into()).is_some().then_some("true") />
                {move || message("sla_hours".into()).map(|e| view! { <p class="field__error">{e}</p> })}
            </div>
            <h2>"Implementation help"</h2>
            <ol class="rows" role="list">
                <For each=move || rows.get() key=|r| r.key let:r>
                    {
                        let index = move || rows.with(|all| all.iter().position(|x| x.key == r.key).unwrap_or(0));
                        let partner_id = format!("rule-{}-partner", r.key);
                        let categories_id = format!("rule-{}-categories", r.key);
                        view! {
                            <li class="row card">
                                <div class="row__grow form-grid">
                                    <div class="field">
                                        <label class="field__label" for=partner_id.clone()>{move || format!("Rule {}: services partner", index() + 1)}</label>
                                        <input class="field__input" id=partner_id type="text" placeholder="partner address"
                                            prop:value=move || r.partner.get() on:input=move |ev| r.partner.set(event_target_value(&ev)) />
                                        {move || message(format!("implementation_help[{}].partner", index())).map(|e| view! { <p class="field__error">{e}</p> })}
                                    </div>
                                    <div class="field">
                                        <label class="field__label" for=categories_id.clone()>"Categories (addresses, comma-separated; empty for any)"</label>
                                        <input class="field__input" id=categories_id type="text"
                                            prop:value=move || r.categories.get() on:input=move |ev| r.categories.set(event_target_value(&ev)) />
                                        {move || message(format!("implementation_help[{}].categories", index())).map(|e| view! { <p class="field__error">{e}</p> })}
                                    </div>
                                    <fieldset class="field">
                                        <legend class="field__label">"Regions (none for any)"</legend>
                                        <div class="checks">
                                            {Region::ALL.iter().map(|g| {
                                                let g = *g;
                                                view! {
                                                    <label class="check"><input type="checkbox"
                                                        prop:checked=move || r.regions.with(|v| v.contains(&g))
                                                        on:change=move |ev| {
                                                            let on = event_target_checked(&ev);
                                                            r.regions.update(|v| { v.retain(|x| *x != g); if on { v.push(g); } });
                                                        } />
                                                    <span>{humanize(g.as_str())}</span></label>
                                                }
                                            }).collect_view()}
                                        </div>
                                    </fieldset>
                                </div>
                                <button type="button" class="button button--small button--quiet"
                                    aria-label=move || format!("Remove rule {}", index() + 1)
                                    on:click=move |_| rows.update(|all| all.retain(|x| x.key != r.key))>"Remove"</button>
                            </li>
                        }
                    }
                </For>
            </ol>
            <button type="button" class="button button--small button--secondary" on:click=add>"Add a rule"</button>
            <div class="field">
                <label class="field__label" for="routing-other">"Fallback partner for other requests (optional)"</label>
                <input class="field__input" id="routing-other" type="text" prop:value=move || other.get()
                    on:input=move |ev| other.set(event_target_value(&ev)) />
                {move || message("other".into()).map(|e| view! { <p class="field__error">{e}</p> })}
            </div>
            <div class="editor__actions">
                <button class="button" type="submit" disabled=move || busy.get()>"Save rules"</button>
                {move || saved.get().then(|| view! { <span class="muted" role="status">"Saved. New leads route by these rules."</span> })}
            </div>
        </form>
    }
}
