//! "Ask for an integration": what people want that does not exist yet, most votes first, a
//! form to ask, and a vote button on each. Plain forms, so it all works without JavaScript.

use leptos::prelude::*;
use mercato_shared::api::integration_requests::IntegrationRequest;

/// The page's forms as last submitted, and what just happened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestsState {
    pub tool: String,
    pub use_case: String,
    pub email: String,
    /// Errors of the "ask" form: `(field, message)`.
    pub ask_errors: Vec<(String, String)>,
    /// A vote that was refused: the request's id and why.
    pub vote_error: Option<(i64, String)>,
    /// What the visitor just did, said back to them.
    pub notice: Option<String>,
}

impl RequestsState {
    fn error(&self, field: &str) -> Option<String> {
        self.ask_errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
    }
}

#[component]
pub fn RequestsPage(
    open: Vec<IntegrationRequest>,
    shipped: Vec<IntegrationRequest>,
    state: RequestsState,
) -> impl IntoView {
    let tool_error = state.error("tool");
    let use_case_error = state.error("use_case");
    let email_error = state.error("vote.email");
    view! {
        <section class="hero" aria-labelledby="requests-title">
            <h1 id="requests-title">"Ask for an integration"</h1>
            <p class="hero__lead">"Missing a tool? Ask for it, or vote for what others asked. Partners see the demand, and you hear first when it ships."</p>
        </section>
        {state.notice.clone().map(|n| view! { <p class="status status--success" role="status">{n}</p> })}
        <div class="listing__layout">
            <div class="listing__main">
                <section aria-labelledby="open-title">
                    <h2 id="open-title">"Most wanted"</h2>
                    {if open.is_empty() {
                        view! { <p class="empty">"Nobody has asked yet. Be the first."</p> }.into_any()
                    } else {
                        view! {
                            <ol class="request-list">
                                {open.into_iter().map(|r| {
                                    let error = state.vote_error.as_ref().filter(|(id, _)| *id == r.id).map(|(_, m)| m.clone());
                                    let email_id = format!("vote-email-{}", r.id);
                                    view! {
                                        <li class="card request">
                                            <div class="request__votes" aria-label=format!("{} votes", r.votes)>
                                                <span class="request__count">{r.votes}</span>
                                                <span class="request__unit" aria-hidden="true">{if r.votes == 1 { "vote" } else { "votes" }}</span>
                                            </div>
                                            <div class="request__body">
                                                <h3 class="card__name">{r.tool.clone()}</h3>
                                                <p class="card__tagline">{r.use_case.clone()}</p>
                                                <form class="request__vote" method="post" action=format!("/requests/{}/vote", r.id)>
                                                    <label class="visually-hidden" for=email_id.clone()>{format!("Your email, to vote for {}", r.tool)}</label>
                                                    <input class="field__input" id=email_id type="email" name="email" placeholder="you@company.com" required autocomplete="email"
                                                        aria-invalid=error.is_some().then_some("true") />
                                                    <button class="button button--secondary" type="submit">{format!("Vote for {}", r.tool)}</button>
                                                    {error.map(|e| view! { <p class="field__error" role="alert">{e}</p> })}
                                                </form>
                                            </div>
                                        </li>
                                    }
                                }).collect_view()}
                            </ol>
                        }.into_any()
                    }}
                </section>
                {(!shipped.is_empty()).then(|| view! {
                    <section aria-labelledby="shipped-title">
                        <h2 id="shipped-title">"Shipped"</h2>
                        <ul class="plain-list">
                            {shipped.into_iter().map(|r| view! {
                                <li>
                                    {match r.listing.clone() {
                                        Some(slug) => view! { <a href=format!("/integrations/{slug}")>{r.tool.clone()}</a> }.into_any(),
                                        None => view! { <span>{r.tool.clone()}</span> }.into_any(),
                                    }}
                                    {format!(" — asked by {} people", r.votes)}
                                </li>
                            }).collect_view()}
                        </ul>
                    </section>
                })}
            </div>
            <aside class="listing__side" aria-labelledby="ask-title">
                <section class="panel">
                    <h2 class="panel__title" id="ask-title">"Ask for one"</h2>
                    <form class="contact-form" method="post" action="/requests" novalidate>
                        <div class="field">
                            <label class="field__label" for="ask-tool">"Which tool?"</label>
                            <input class="field__input" id="ask-tool" name="tool" value=state.tool.clone() required placeholder="e.g. Pipedrive"
                                aria-invalid=tool_error.is_some().then_some("true")
                                aria-describedby=tool_error.is_some().then_some("ask-tool-error") />
                            {tool_error.map(|e| view! { <p class="field__error" id="ask-tool-error">{e}</p> })}
                        </div>
                        <div class="field">
                            <label class="field__label" for="ask-use-case">"What should it do?"</label>
                            <textarea class="field__input" id="ask-use-case" name="use_case" rows="3" required
                                aria-invalid=use_case_error.is_some().then_some("true")
                                aria-describedby=use_case_error.is_some().then_some("ask-use-case-error")>{state.use_case.clone()}</textarea>
                            {use_case_error.map(|e| view! { <p class="field__error" id="ask-use-case-error">{e}</p> })}
                        </div>
                        <div class="field">
                            <label class="field__label" for="ask-email">"Your email"</label>
                            <input class="field__input" id="ask-email" type="email" name="email" value=state.email.clone() required autocomplete="email"
                                aria-invalid=email_error.is_some().then_some("true")
                                aria-describedby=email_error.is_some().then_some("ask-email-error") />
                            {email_error.map(|e| view! { <p class="field__error" id="ask-email-error">{e}</p> })}
                        </div>
                        <button class="button" type="submit">"Ask for it"</button>
                    </form>
                </section>
            </aside>
        </div>
    }
}
