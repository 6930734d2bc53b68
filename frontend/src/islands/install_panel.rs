//! A listing page's install panel: for a signed-in customer, where the listing is installed
//! (with uninstall), an install form (choose a workspace or create one; the API answers with
//! the partner's install URL carrying a signed install token, where the browser goes next)
//! and, once installed, the review form. Visitors who are not signed in, and the server's own
//! render, see "Install" leading to sign-in and back.

use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::reviews::{CreateReview, Review};
use mercato_shared::api::workspaces::{Install, Workspace, WorkspaceStatus};

use super::account_menu::with_next;
use super::fields::{field_error, start_submit, Failure, FormProblem, TextField};
use crate::api::{self, ApiError};
use crate::components::{ErrorNotice, Loading};
use crate::session;

/// One of the customer's workspaces and this listing's install there.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub workspace: Workspace,
    /// The active install, if the listing is installed there now.
    pub active: Option<Install>,
    /// Installed there now or before: the workspace may review the listing.
    pub ever_installed: bool,
}

impl Place {
    pub fn of(workspace: Workspace, installs: &[Install], listing: &str) -> Self {
        let mine = installs.iter().filter(|i| i.listing == listing);
        Place {
            active: mine.clone().find(|i| i.active).cloned(),
            ever_installed: mine.count() > 0,
            workspace,
        }
    }

    /// Whether the listing can be installed here (not yet installed, workspace not churned).
    pub fn can_install(&self) -> bool {
        self.active.is_none() && self.workspace.status == WorkspaceStatus::Active
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Panel {
    /// Nobody is signed in (and the server's render).
    SignedOut,
    Loading,
    Failed(ApiError),
    Ready(Vec<Place>),
    /// On the way to the partner's install URL.
    Redirecting,
}

const NEW_WORKSPACE: &str = "new";

async fn load_places(listing: &str) -> Result<Vec<Place>, ApiError> {
    let mut places = Vec::new();
    for workspace in api::my_workspaces().await? {
        let installs = api::installs(workspace.id).await?;
        places.push(Place::of(workspace, &installs, listing));
    }
    Ok(places)
}

// An island where pages are hydrated; a plain (unused) component in the consoles' bundles.
#[cfg_attr(any(feature = "ssr", feature = "hydrate"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), component)]
pub fn InstallPanel(listing: String, listing_name: String, partner_name: String) -> impl IntoView {
    let panel = RwSignal::new(Panel::SignedOut);
    let listing = StoredValue::new(listing);
    let reload = move || {
        panel.set(Panel::Loading);
        spawn_local(async move {
            let slug = listing.get_value();
            panel.set(match load_places(&slug).await {
                Ok(places) => Panel::Ready(places),
                Err(ApiError::SignedOut) => Panel::SignedOut,
                Err(e) => Panel::Failed(e),
            });
        });
    };
    Effect::new(move |_| {
        if session::load().is_some() {
            reload();
        }
    });
    let here = format!("/integrations/{}#install", listing.get_value());
    let listing_name = StoredValue::new(listing_name);
    let partner_name = StoredValue::new(partner_name);

    let body = move || {
        match panel.get() {
        Panel::SignedOut => view! {
            <p>{format!("Sign in to install {} in your workspace.", listing_name.get_value())}</p>
            <p><a class="button listing__cta" href=with_next("/sign-in", &here)>"Install"</a></p>
            <p class="muted">"New to Mercato? " <a href=with_next("/sign-up", &here)>"Create an account"</a></p>
        }
        .into_any(),
        Panel::Loading => view! { <Loading message="Checking your workspaces…" /> }.into_any(),
        Panel::Failed(error) => view! {
            <ErrorNotice what="your workspaces" error on_retry=Callback::new(move |()| reload()) />
        }
        .into_any(),
        Panel::Redirecting => view! {
            <Loading message=format!(
                "Installed. Taking you to {} to finish the setup…",
                partner_name.get_value()
            ) />
        }
        .into_any(),
        Panel::Ready(places) => {
            let reviewable: Vec<Workspace> = places
                .iter()
                .filter(|p| p.ever_installed)
                .map(|p| p.workspace.clone())
                .collect();
            view! {
                <Installed places=places.clone() listing=listing.get_value() on_change=Callback::new(move |()| reload()) />
                <InstallForm places listing=listing.get_value() listing_name=listing_name.get_value()
                    panel on_installed=Callback::new(move |()| reload()) />
                {(!reviewable.is_empty()).then(|| view! {
                    <ReviewForm workspaces=reviewable listing=listing.get_value() />
                })}
            }
            .into_any()
        }
    }
    };

    view! {
        <section class="panel install" id="install" aria-labelledby="install-title">
            <h2 class="panel__title" id="install-title">"Install"</h2>
            {body}
        </section>
    }
}

/// Where the listing is installed, each with an uninstall button that asks once more.
#[component]
fn Installed(places: Vec<Place>, listing: String, on_change: Callback<()>) -> impl IntoView {
    let confirming = RwSignal::new(None::<i64>);
    let busy = RwSignal::new(false);
    let failure: Failure = RwSignal::new(None);
    let listing = StoredValue::new(listing);
    let installed: Vec<Workspace> = places
        .into_iter()
        .filter(|p| p.active.is_some())
        .map(|p| p.workspace)
        .collect();
    if installed.is_empty() {
        return ().into_any();
    }
    let uninstall = move |workspace: i64| {
        if confirming.get_untracked() != Some(workspace) {
            confirming.set(Some(workspace));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::uninstall(workspace, &listing.get_value()).await {
                Ok(()) => on_change.run(()),
                Err(e) => {
                    failure.set(Some(e));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <ul class="install__places" role="list">
            {installed.into_iter().map(|w| {
                let id = w.id;
                view! {
                    <li class="install__place">
                        <span class="install__check" aria-hidden="true">"✓"</span>
                        <span>"Installed in " <strong>{w.name}</strong></span>
                        <button class="button button--small button--danger" type="button"
                            disabled=move || busy.get()
                            on:click=move |_| uninstall(id)>
                            {move || if confirming.get() == Some(id) { "Confirm uninstall" } else { "Uninstall" }}
                        </button>
                    </li>
                }
            }).collect_view()}
        </ul>
        <FormProblem failure fields=&[] />
    }
    .into_any()
}

/// Install into a chosen workspace, or a new one named here.
#[component]
fn InstallForm(
    places: Vec<Place>,
    listing: String,
    listing_name: String,
    panel: RwSignal<Panel>,
    on_installed: Callback<()>,
) -> impl IntoView {
    let candidates: Vec<Workspace> = places
        .iter()
        .filter(|p| p.can_install())
        .map(|p| p.workspace.clone())
        .collect();
    let installed_somewhere = places.iter().any(|p| p.active.is_some());
    let choice = RwSignal::new(
        candidates
            .first()
            .map_or(NEW_WORKSPACE.to_string(), |w| w.id.to_string()),
    );
    let new_name = RwSignal::new(String::new());
    let failure: Failure = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let listing = StoredValue::new(listing);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !start_submit(&ev, busy, failure) {
            return;
        }
        spawn_local(async move {
            let workspace = match choice.get_untracked().parse::<i64>() {
                Ok(id) => Ok(id),
                Err(_) => api::create_workspace(new_name.get_untracked().trim())
                    .await
                    .map(|w| w.id),
            };
            let installed = match workspace {
                Ok(id) => api::install(id, &listing.get_value()).await,
                Err(e) => Err(e),
            };
            match installed {
                Ok(answer) => match answer.redirect_url {
                    Some(url) => {
                        panel.set(Panel::Redirecting);
                        let _ = window().location().assign(&url);
                    }
                    None => on_installed.run(()),
                },
                Err(e) => {
                    failure.set(Some(e));
                    busy.set(false);
                }
            }
        });
    };
    let heading = if installed_somewhere {
        "Install in another workspace"
    } else {
        "Choose where to install"
    };
    let has_candidates = !candidates.is_empty();
    let creating = move || choice.get() == NEW_WORKSPACE;

    let form = view! {
        <form class="install__form" on:submit=submit novalidate>
            {(!installed_somewhere).then(|| view! { <p class="install__heading">{heading}</p> })}
            <FormProblem failure fields=&["name"] />
            {has_candidates.then(|| view! {
                <div class="field">
                    <label class="field__label" for="install-workspace">"Workspace"</label>
                    <select class="field__input" id="install-workspace"
                        on:change=move |ev| choice.set(event_target_value(&ev))>
                        {candidates.into_iter().map(|w| {
                            let value = w.id.to_string();
                            let selected = choice.get_untracked() == value;
                            view! { <option value=value selected=selected>{w.name}</option> }
                        }).collect_view()}
                        <option value=NEW_WORKSPACE>"A new workspace…"</option>
                    </select>
                </div>
            })}
            <Show when=creating>
                <TextField id="install-new-workspace" name="name" label="New workspace name"
                    value=new_name failure autocomplete="organization"
                    hint=Some("Usually your company or team name.") />
            </Show>
            <button class="button listing__cta" type="submit" disabled=move || busy.get()
                aria-busy=move || busy.get().to_string()>
                {move || if busy.get() { "Installing…".to_string() } else { format!("Install {listing_name}") }}
            </button>
        </form>
    };
    // Once installed, installing elsewhere is the exception: keep it folded away.
    if installed_somewhere {
        view! {
            <details class="install__more">
                <summary>{heading}</summary>
                {form}
            </details>
        }
        .into_any()
    } else {
        form.into_any()
    }
}

/// The review form, for workspaces that installed the listing.
#[component]
fn ReviewForm(workspaces: Vec<Workspace>, listing: String) -> impl IntoView {
    let workspace = RwSignal::new(workspaces.first().map_or(0, |w| w.id));
    let rating = RwSignal::new(0u8);
    let body = RwSignal::new(String::new());
    let failure: Failure = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let posted = RwSignal::new(None::<Review>);
    let listing = StoredValue::new(listing);
    let rating_error = field_error(failure, "rating");
    let body_error = field_error(failure, "body");

    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !start_submit(&ev, busy, failure) {
            return;
        }
        spawn_local(async move {
            let review = CreateReview {
                workspace: workspace.get_untracked(),
                rating: rating.get_untracked(),
                body: body.get_untracked(),
            };
            match api::create_review(&listing.get_value(), &review).await {
                Ok(review) => posted.set(Some(review)),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let several = workspaces.len() > 1;

    view! {
        <Show
            when=move || posted.get().is_none()
            fallback=move || view! {
                <div class="install__thanks" role="status">
                    <p><strong>"Thank you — your review is published."</strong></p>
                    {posted.get().map(|r| view! {
                        <p class="review__stars" aria-label=format!("{} out of 5", r.rating)>{stars(r.rating)}</p>
                        <p>{r.body}</p>
                    })}
                </div>
            }
        >
            <form class="review-form" on:submit=submit novalidate>
                <h3 class="install__heading">"Write a review"</h3>
                <FormProblem failure fields=&["rating", "body", "workspace"] />
                {several.then(|| view! {
                    <div class="field">
                        <label class="field__label" for="review-workspace">"Reviewing as"</label>
                        <select class="field__input" id="review-workspace"
                            on:change=move |ev| workspace.set(event_target_value(&ev).parse().unwrap_or(0))>
                            {workspaces.clone().into_iter().map(|w| view! {
                                <option value=w.id.to_string()>{w.name}</option>
                            }).collect_view()}
                        </select>
                    </div>
                })}
                <fieldset class="field rating-input"
                    aria-invalid=move || rating_error().is_some().then_some("true")
                    aria-describedby=move || rating_error().map(|_| "review-rating-error")>
                    <legend class="field__label">"Your rating"</legend>
                    {(1..=5u8).map(|n| view! {
                        <label class="rating-input__option">
                            <input type="radio" name="rating" value=n.to_string()
                                on:change=move |_| rating.set(n) />
                            <span>{format!("{n} star{}", if n == 1 { "" } else { "s" })}</span>
                        </label>
                    }).collect_view()}
                    {move || rating_error().map(|e| view! { <p class="field__error" id="review-rating-error">{e}</p> })}
                </fieldset>
                <div class="field">
                    <label class="field__label" for="review-body">"Your review"</label>
                    <textarea class="field__input" id="review-body" name="body" rows="4"
                        on:input=move |ev| body.set(event_target_value(&ev))
                        aria-invalid=move || body_error().is_some().then_some("true")
                        aria-describedby=move || body_error().map(|_| "review-body-error")></textarea>
                    {move || body_error().map(|e| view! { <p class="field__error" id="review-body-error">{e}</p> })}
                </div>
                <button class="button button--secondary" type="submit" disabled=move || busy.get()
                    aria-busy=move || busy.get().to_string()>
                    {move || if busy.get() { "Publishing…" } else { "Publish review" }}
                </button>
            </form>
        </Show>
    }
}

/// "★★★★☆" for 4.
pub fn stars(rating: u8) -> String {
    let full = rating.min(5) as usize;
    format!("{}{}", "★".repeat(full), "☆".repeat(5 - full))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use mercato_shared::api::workspaces::InstallSource;

    fn workspace(id: i64, status: WorkspaceStatus) -> Workspace {
        Workspace {
            id,
            name: format!("W{id}"),
            domain: None,
            plan: "free".into(),
            status,
            churned_at: None,
            role: None,
            active_installs: 0,
            created_at: Utc::now(),
        }
    }

    fn install(listing: &str, active: bool) -> Install {
        Install {
            id: 1,
            workspace_id: 1,
            listing: listing.into(),
            listing_name: listing.into(),
            active,
            source: InstallSource::ListingPage,
            installed_at: Utc::now(),
            uninstalled_at: None,
        }
    }

    #[test]
    fn places_know_what_is_installed_and_what_may_be_reviewed() {
        let here = Place::of(
            workspace(1, WorkspaceStatus::Active),
            &[install("other", true), install("slack", true)],
            "slack",
        );
        assert!(here.active.is_some() && here.ever_installed && !here.can_install());

        let before = Place::of(
            workspace(2, WorkspaceStatus::Active),
            &[install("slack", false)],
            "slack",
        );
        assert!(before.active.is_none() && before.ever_installed && before.can_install());

        let churned = Place::of(workspace(3, WorkspaceStatus::Churned), &[], "slack");
        assert!(!churned.ever_installed && !churned.can_install());
        assert_eq!(stars(4), "★★★★☆");
    }
}
