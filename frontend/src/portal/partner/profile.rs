//! The partner's public profile (name, website, logo, description, motions, regions), the
//! verification of its website's domain (the token, how to publish it, "Check now"), and its
//! members: invite by email with a role, change roles, remove. Partner admins change these;
//! the API refuses members who are not.

use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::domain_verification::{
    DomainVerification, StartDomainVerification, VerificationMethod, VerificationState,
};
use mercato_shared::api::partners::{
    AddMemberRequest, Member, Motion, Partner, PartnerRole, PartnerUpdate, Region,
    UpdateMemberRequest,
};

use mercato_shared::ErrorCode;

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
            <DomainVerificationPanel base=base() />
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

/// The domain verification: status, the token with both ways to publish it, "Check now" and
/// its outcome. Only partner admins may see the token; other members get a sentence.
#[component]
fn DomainVerificationPanel(base: String) -> impl IntoView {
    let path = StoredValue::new(format!("{base}/domain-verification"));
    let data = load(move || {
        let path = path.get_value();
        async move { api::get::<DomainVerification>(&path).await }
    });
    let latest = RwSignal::new(None::<DomainVerification>);
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let act = Callback::new(move |action: Action| {
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            let path = path.get_value();
            let result = match action {
                Action::Check => {
                    api::post::<DomainVerification>(&format!("{path}/check"), &()).await
                }
                Action::Start { method, regenerate } => {
                    let body = StartDomainVerification {
                        method: Some(method),
                        regenerate,
                    };
                    api::post::<DomainVerification>(&path, &body).await
                }
            };
            match result {
                Ok(v) => latest.set(Some(v)),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    });
    view! {
        <section class="panel" aria-labelledby="domain-title">
            <h2 class="panel__title" id="domain-title">"Domain verification"</h2>
            {move || match (latest.get(), data.get()) {
                (Some(v), _) | (None, Some(Ok(v))) => verification_details(v, busy, act).into_any(),
                (None, None) => view! { <p class="muted">"Loading the verification…"</p> }.into_any(),
                (None, Some(Err(e))) if e.code() == Some(ErrorCode::Forbidden) => view! {
                    <p class="muted">"The partner’s admins verify its website’s domain."</p>
                }.into_any(),
                (None, Some(Err(e))) => view! { <p class="form-problem" role="alert">{e.to_string()}</p> }.into_any(),
            }}
            {move || failure.get().map(|e| view! { <p class="form-problem" role="alert">{e.to_string()}</p> })}
        </section>
    }
}

#[derive(Clone, Copy)]
enum Action {
    Check,
    Start {
        method: VerificationMethod,
        regenerate: bool,
    },
}

fn verification_details(
    v: DomainVerification,
    busy: RwSignal<bool>,
    act: Callback<Action>,
) -> impl IntoView {
    let Some(domain) = v.domain.clone() else {
        return view! {
            <p class="muted">"Set the website above first: its domain is what gets verified."</p>
        }
        .into_any();
    };
    let method = v.method.unwrap_or(VerificationMethod::File);
    let start = move |method| {
        act.run(Action::Start {
            method,
            regenerate: false,
        })
    };
    if v.state == VerificationState::NotStarted {
        return view! {
            <p>{format!("Prove that you control {domain} to show the Verified badge on your pages, listings and in search. Mercato gives you a token to publish on the domain.")}</p>
            <div class="editor__actions">
                <button class="button" type="button" disabled=move || busy.get()
                    on:click=move |_| start(VerificationMethod::File)>"Verify with a file"</button>
                <button class="button button--secondary" type="button" disabled=move || busy.get()
                    on:click=move |_| start(VerificationMethod::Dns)>"Verify with a DNS record"</button>
            </div>
        }
        .into_any();
    }
    let token = v.token.clone().unwrap_or_default();
    let file_url = v.file_url.clone().unwrap_or_default();
    let txt_name = v.txt_name.clone().unwrap_or_default();
    let outcome = v.last_check.clone().map(|c| {
        let result = match c.failure {
            None => "the token was found".to_string(),
            Some(f) => format!("not verified ({})", humanize(f.as_str()).to_lowercase()),
        };
        view! {
            <p class=if c.ok { "callout callout--success" } else { "form-problem" } role="status">
                {format!("Checked {}: {result} — {}.", when(&c.at), c.detail)}
            </p>
        }
    });
    let other = match method {
        VerificationMethod::File => VerificationMethod::Dns,
        VerificationMethod::Dns => VerificationMethod::File,
    };
    view! {
        <p class="status-line"><Chip status=v.state.as_str().to_string() /><span>{domain}</span>
            {v.verified_at.map(|at| view! { <span class="muted">{format!("since {}", when(&at))}</span> })}
            {v.next_check_at.map(|at| view! { <span class="muted">{format!("next check {}", when(&at))}</span> })}</p>
        {(v.state == VerificationState::Lapsed).then(|| view! {
            <p class="form-problem">"The proof disappeared, so the badge was removed. Publish the token again and check now."</p>
        })}
        <div class="field">
            <label class="field__label" for="domain-token">"Token"</label>
            <input class="field__input secret__value" id="domain-token" type="text" readonly value=token.clone() />
        </div>
        <ol>
            <li class:muted=method != VerificationMethod::File>
                "File: publish " <code>{file_url}</code> " with the token on a line of its own."
            </li>
            <li class:muted=method != VerificationMethod::Dns>
                "DNS: add a TXT record at " <code>{txt_name}</code> " whose value is the token."
            </li>
        </ol>
        <p class="muted small">"Mercato checks again every day; the badge is removed if the proof is missing twice in a row."</p>
        {outcome}
        <div class="editor__actions">
            <button class="button" type="button" disabled=move || busy.get()
                on:click=move |_| act.run(Action::Check)>
                {format!("Check the {} now", if method == VerificationMethod::File { "file" } else { "DNS record" })}</button>
            <button class="button button--secondary" type="button" disabled=move || busy.get()
                on:click=move |_| start(other)>
                {format!("Use a {} instead", if other == VerificationMethod::File { "file" } else { "DNS record" })}</button>
            <button class="button button--secondary" type="button" disabled=move || busy.get()
                on:click=move |_| act.run(Action::Start { method, regenerate: true })>"New token"</button>
        </div>
    }
    .into_any()
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
