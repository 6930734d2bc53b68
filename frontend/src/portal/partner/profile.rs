//! The partner's public profile (name, website, logo, description, motions, regions) and its
//! members: invite by email with a role, change roles, remove. Partner admins change these;
//! the API refuses members who are not.

use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::partners::{
    AddMemberRequest, Member, Motion, Partner, PartnerRole, PartnerUpdate, Region,
    UpdateMemberRequest,
};

use crate::api::{self, seg, ApiError};
use crate::islands::{start_submit, Failure, FormProblem, TextField};
use crate::portal::ui::{humanize, load, show, text, when, Chip, DataTable};

#[component]
pub fn Profile(partner: String) -> impl IntoView {
    let partner = StoredValue::new(partner);
    let base = move || format!("/api/v1/partners/{}", seg(&partner.get_value()));
    let data = load(move || {
        let path = base();
        async move {
            Ok((
                api::get::<Partner>(&path).await?,
                api::get::<Vec<Member>>(&format!("{path}/members")).await?,
            ))
        }
    });
    let changed = Callback::new(move |()| data.refetch());
    view! {
        <header class="console-head">
            <h1>"Profile & members"</h1>
        </header>
        {show(data, "the profile", move |(p, members): (Partner, Vec<Member>)| view! {
            <ProfileForm partner=p base=base() />
            <Members members base=base() changed />
        })}
    }
}

/// Checkboxes for a set of enum values.
#[component]
fn Choices<T>(
    legend: &'static str,
    all: &'static [T],
    chosen: RwSignal<Vec<T>>,
    name: fn(T) -> &'static str,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    view! {
        <fieldset class="field">
            <legend class="field__label">{legend}</legend>
            <div class="checks">
                {all.iter().map(|v| {
                    let v = *v;
                    view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || chosen.with(|c| c.contains(&v))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| { c.retain(|x| *x != v); if on { c.push(v); } });
                                } />
                            <span>{humanize(name(v))}</span>
                        </label>
                    }
                }).collect_view()}
            </div>
        </fieldset>
    }
}

#[component]
fn ProfileForm(partner: Partner, base: String) -> impl IntoView {
    let name = RwSignal::new(partner.name.clone());
    let website = RwSignal::new(partner.website.clone().unwrap_or_default());
    let logo_url = RwSignal::new(partner.logo_url.clone().unwrap_or_default());
    let description = RwSignal::new(partner.description.clone());
    let motions = RwSignal::new(partner.motions.clone());
    let regions = RwSignal::new(partner.regions.clone());
    let failure: Failure = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let base = StoredValue::new(base);
    let description_error =
        move || failure.with(|f| f.as_ref().and_then(|e| e.field("description")));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !start_submit(&ev, busy, failure) {
            return;
        }
        saved.set(false);
        spawn_local(async move {
            let blank_is_none = |s: String| Some(Some(s).filter(|s| !s.trim().is_empty()));
            let body = PartnerUpdate {
                name: Some(name.get_untracked()),
                website: blank_is_none(website.get_untracked()),
                logo_url: blank_is_none(logo_url.get_untracked()),
                description: Some(description.get_untracked()),
                motions: Some(motions.get_untracked()),
                regions: Some(regions.get_untracked()),
            };
            match api::patch::<Partner>(&base.get_value(), &body).await {
                Ok(_) => saved.set(true),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="panel" aria-labelledby="profile-title">
            <h2 class="panel__title" id="profile-title">"Public profile"</h2>
            <p class="status-line"><Chip status=partner.status.as_str().to_string() />
                <span class="muted">{format!("{} tier", humanize(partner.tier.as_str()))}</span>
                <a href=format!("/partners/{}", partner.slug)>"View the public page"</a></p>
            <form class="form-grid" on:submit=submit novalidate>
                <FormProblem failure fields=&["name", "website", "logo_url", "description", "motions", "regions"] />
                <TextField id="partner-name" name="name" label="Company name" value=name failure autocomplete="organization" />
                <TextField id="partner-website" name="website" label="Website" kind="url" value=website failure />
                <TextField id="partner-logo" name="logo_url" label="Logo URL (optional)" kind="url" value=logo_url failure required=false />
                <div class="field">
                    <label class="field__label" for="partner-description">"About (Markdown)"</label>
                    <textarea class="field__input" id="partner-description" rows="6"
                        prop:value=move || description.get()
                        on:input=move |ev| description.set(event_target_value(&ev))
                        aria-invalid=move || description_error().is_some().then_some("true")></textarea>
                    {move || description_error().map(|e| view! { <p class="field__error">{e}</p> })}
                </div>
                <Choices legend="Partnership motions" all=Motion::ALL chosen=motions name=Motion::as_str />
                <Choices legend="Regions served" all=Region::ALL chosen=regions name=Region::as_str />
                <div class="editor__actions">
                    <button class="button" type="submit" disabled=move || busy.get()>"Save profile"</button>
                    {move || saved.get().then(|| view! { <span class="muted" role="status">"Saved."</span> })}
                </div>
            </form>
        </section>
    }
}

#[component]
fn Members(members: Vec<Member>, base: String, changed: Callback<()>) -> impl IntoView {
    let base = StoredValue::new(base);
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(PartnerRole::Member);
    let failure: Failure = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let row_failure = RwSignal::new(None::<ApiError>);
    let invite = move |ev: leptos::ev::SubmitEvent| {
        if !start_submit(&ev, busy, failure) {
            return;
        }
        spawn_local(async move {
            let body = AddMemberRequest {
                email: email.get_untracked(),
                role: role.get_untracked(),
            };
            match api::post::<Member>(&format!("{}/members", base.get_value()), &body).await {
                Ok(_) => {
                    email.set(String::new());
                    changed.run(());
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let set_role = move |user: i64, to: PartnerRole| {
        spawn_local(async move {
            let path = format!("{}/members/{user}", base.get_value());
            match api::patch::<Member>(&path, &UpdateMemberRequest { role: to }).await {
                Ok(_) => changed.run(()),
                Err(e) => row_failure.set(Some(e)),
            }
        });
    };
    let removing = RwSignal::new(None::<i64>);
    let remove = move |user: i64| {
        if removing.get_untracked() != Some(user) {
            removing.set(Some(user));
            return;
        }
        spawn_local(async move {
            match api::delete(&format!("{}/members/{user}", base.get_value())).await {
                Ok(()) => changed.run(()),
                Err(e) => row_failure.set(Some(e)),
            }
        });
    };
    view! {
        <section class="panel" aria-labelledby="members-title">
            <h2 class="panel__title" id="members-title">"Members"</h2>
            {move || row_failure.get().map(|e| view! { <p class="form-problem" role="alert">{e.to_string()}</p> })}
            <DataTable caption="Members" columns=vec![text("Member"), text("Role"), text("Added"), text("Remove")]>
                        {members.into_iter().map(|m| {
                            let user = m.user_id;
                            let label = format!("Role of {}", m.display_name);
                            let who = m.display_name.clone();
                            view! {
                                <tr>
                                    <th scope="row">{m.display_name.clone()}<span class="muted small block">{m.email.clone()}</span></th>
                                    <td>
                                        <select class="field__input field__input--small" aria-label=label
                                            on:change=move |ev| if let Some(r) = PartnerRole::parse(&event_target_value(&ev)) { set_role(user, r) }>
                                            {PartnerRole::ALL.iter().map(|r| view! {
                                                <option value=r.as_str() selected=*r == m.role>{humanize(r.as_str())}</option>
                                            }).collect_view()}
                                        </select>
                                    </td>
                                    <td>{when(&m.added_at)}</td>
                                    <td><button type="button" class="button button--small button--danger"
                                        aria-label=format!("Remove {who}")
                                        on:click=move |_| remove(user)>
                                        {move || if removing.get() == Some(user) { "Confirm remove" } else { "Remove" }}</button></td>
                                </tr>
                            }
                        }).collect_view()}
                    </DataTable>
            <form class="form-inline" on:submit=invite novalidate>
                <FormProblem failure fields=&["email", "role"] />
                <TextField id="member-email" name="email" label="Add a member by email" kind="email" value=email failure
                    hint=Some("They need a Mercato account with this email.") />
                <div class="field">
                    <label class="field__label" for="member-role">"Role"</label>
                    <select class="field__input" id="member-role"
                        on:change=move |ev| role.set(PartnerRole::parse(&event_target_value(&ev)).unwrap_or(PartnerRole::Member))>
                        {PartnerRole::ALL.iter().map(|r| view! { <option value=r.as_str()>{humanize(r.as_str())}</option> }).collect_view()}
                    </select>
                </div>
                <button class="button" type="submit" disabled=move || busy.get()>"Add member"</button>
            </form>
        </section>
    }
}
