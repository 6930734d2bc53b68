//! Single sign-on in the browser: "Continue with …" buttons (sign in, or link a provider to
//! the signed-in account), the landing page that exchanges the callback's one-time code for
//! the session, and the account's linked sign-ins.

use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::sso::{Identity, SsoProvider, SsoStartRequest, SsoStartResponse};

use crate::api::{self, ApiError};
use crate::session;

/// Asks the API for the provider's authorization URL and goes there.
fn start(provider: String, next: String, link: bool, failure: RwSignal<Option<ApiError>>) {
    spawn_local(async move {
        let body = SsoStartRequest {
            return_to: Some(next),
            link,
        };
        let path = format!("/api/v1/auth/sso/{}/start", api::seg(&provider));
        let answer: Result<SsoStartResponse, ApiError> = if link {
            api::post(&path, &body).await
        } else {
            api::post_anonymous(&path, &body).await
        };
        match answer {
            Ok(start) => {
                let _ = window().location().assign(&start.authorize_url);
            }
            Err(e) => failure.set(Some(e)),
        }
    });
}

/// One "Continue with …" (or "Link …") button per provider.
#[component]
fn ProviderButtons(
    providers: Vec<SsoProvider>,
    next: String,
    link: bool,
    failure: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let busy = RwSignal::new(None::<String>);
    // A failed start gives the buttons back.
    Effect::new(move |_| {
        if failure.get().is_some() {
            busy.set(None);
        }
    });
    view! {
        <ul class="sso-buttons">
            {providers
                .into_iter()
                .map(|p| {
                    let id = p.id.clone();
                    let next = next.clone();
                    let label = if link {
                        format!("Link {}", p.name)
                    } else {
                        format!("Continue with {}", p.name)
                    };
                    let mine = id.clone();
                    view! {
                        <li>
                            <button class="button button--secondary sso-button" type="button"
                                data-provider=id.clone()
                                disabled=move || !ready.get() || busy.get().is_some()
                                aria-busy=move || (busy.get().as_deref() == Some(mine.as_str())).to_string()
                                on:click=move |_| {
                                    busy.set(Some(id.clone()));
                                    failure.set(None);
                                    start(id.clone(), next.clone(), link, failure);
                                }>
                                {label}
                            </button>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        {move || failure.get().map(|e| view! { <p class="form-problem" role="alert">{e.to_string()}</p> })}
    }
}

/// The sign-in page's providers.
#[cfg_attr(any(feature = "ssr", feature = "hydrate"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), component)]
pub fn SsoButtons(providers: Vec<SsoProvider>, next: String) -> impl IntoView {
    let failure = RwSignal::new(None);
    view! { <ProviderButtons providers next link=false failure /> }
}

/// `/sign-in/complete?code=…&next=…`: exchanges the code for the session and goes on.
#[cfg_attr(any(feature = "ssr", feature = "hydrate"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), component)]
pub fn SsoComplete(code: String, next: String) -> impl IntoView {
    let failure = RwSignal::new(None::<ApiError>);
    let next = session::safe_next(&next);
    Effect::new(move |_| {
        let code = code.clone();
        let next = next.clone();
        spawn_local(async move {
            match api::sso_exchange(&code).await {
                Ok(tokens) => {
                    session::store(tokens);
                    let _ = window().location().replace(&next);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    });
    view! {
        {move || match failure.get() {
            None => view! { <p class="muted" role="status" aria-live="polite">"Signing you in…"</p> }.into_any(),
            Some(e) => view! {
                <p class="form-problem" role="alert">{e.to_string()}</p>
                <p><a class="button" href="/sign-in">"Sign in again"</a></p>
            }
            .into_any(),
        }}
    }
}

/// The account's linked sign-ins: each with "Unlink", and buttons to link the others.
#[cfg_attr(any(feature = "ssr", feature = "hydrate"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), component)]
pub fn LinkedSignIns(providers: Vec<SsoProvider>) -> impl IntoView {
    let signed_in = RwSignal::new(None::<bool>);
    let identities = RwSignal::new(None::<Vec<Identity>>);
    let failure = RwSignal::new(None::<ApiError>);
    let reload = move || {
        spawn_local(async move {
            match api::get::<Vec<Identity>>("/api/v1/me/identities").await {
                Ok(list) => identities.set(Some(list)),
                Err(ApiError::SignedOut) => signed_in.set(Some(false)),
                Err(e) => failure.set(Some(e)),
            }
        })
    };
    Effect::new(move |_| {
        let yes = session::load().is_some();
        signed_in.set(Some(yes));
        if yes {
            reload();
        }
    });
    let unlink = move |id: i64| {
        failure.set(None);
        spawn_local(async move {
            match api::delete(&format!("/api/v1/me/identities/{id}")).await {
                Ok(()) => reload(),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let link_failure = RwSignal::new(None);
    view! {
        {move || match (signed_in.get(), identities.get()) {
            (None, _) => view! { <p class="muted">"Loading your sign-ins…"</p> }.into_any(),
            (Some(false), _) => view! {
                <p>"Sign in to manage your account. "
                    <a href="/sign-in?next=%2Faccount">"Sign in"</a></p>
            }
            .into_any(),
            (Some(true), None) => view! { <p class="muted">"Loading your sign-ins…"</p> }.into_any(),
            (Some(true), Some(list)) => {
                let unlinked: Vec<SsoProvider> = providers
                    .iter()
                    .filter(|p| !list.iter().any(|i| i.provider == p.id))
                    .cloned()
                    .collect();
                view! {
                    {if list.is_empty() {
                        view! { <p class="muted">"No single sign-on provider is linked to this account."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="identity-list">
                                {list.into_iter().map(|i| {
                                    let id = i.id;
                                    let label = format!("Unlink {}", i.provider_name);
                                    view! {
                                        <li class="identity">
                                            <span class="identity__provider">{i.provider_name.clone()}</span>
                                            <span class="identity__email">{i.email.clone()}</span>
                                            <span class="muted">{format!("linked {}", i.linked_at.date_naive())}</span>
                                            <button class="button button--small button--secondary" type="button"
                                                aria-label=label on:click=move |_| unlink(id)>"Unlink"</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    {(!unlinked.is_empty()).then(|| view! {
                        <h3>"Link another sign-in"</h3>
                        <ProviderButtons providers=unlinked next="/account".to_string() link=true failure=link_failure />
                    })}
                }
                .into_any()
            }
        }}
        {move || failure.get().map(|e| view! { <p class="form-problem" role="alert">{e.to_string()}</p> })}
    }
}
