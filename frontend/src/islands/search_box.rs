//! The search box with suggestions. Without JavaScript it is a plain GET form to
//! `/search?q=…`; once hydrated it suggests listings and use cases as the visitor types,
//! following the WAI-ARIA combobox pattern (arrow keys, Enter, Escape, screen-reader count).

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::search::Suggestion;

use crate::api;
use crate::pages::search::encode;

/// How many suggestions to show.
const SUGGESTIONS: u32 = 6;
/// Wait this long after the last keystroke before asking (one request per pause, not per key).
const DEBOUNCE: Duration = Duration::from_millis(120);

/// Where choosing a suggestion leads: a listing's page, or a search for the phrase.
pub fn suggestion_href(s: &Suggestion) -> String {
    match (&s.slug, s.kind.as_str()) {
        (Some(slug), "name") => format!("/integrations/{slug}"),
        _ => format!("/search?q={}", encode(&s.text)),
    }
}

// An island where pages are hydrated; a plain (unused) component in the consoles' bundles.
#[cfg_attr(any(feature = "ssr", feature = "hydrate"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), component)]
pub fn SearchBox(
    /// What the box shows at first: the query of the results page it sits on.
    value: String,
    /// The input's id (the page may hold more than one box).
    input_id: String,
    /// The large variant of the home page's hero.
    large: bool,
) -> impl IntoView {
    let listbox_id = format!("{input_id}-suggestions");
    let suggestions = RwSignal::new(Vec::<Suggestion>::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    // Answers can arrive out of order: only the newest request's answer is shown.
    let latest = StoredValue::new(0u32);
    let pending = StoredValue::new(None::<TimeoutHandle>);

    let close = move || {
        open.set(false);
        active.set(None);
    };
    let ask = move |query: String| {
        latest.update_value(|n| *n += 1);
        let mine = latest.get_value();
        spawn_local(async move {
            let answer = api::suggest(&query, SUGGESTIONS).await;
            if latest.get_value() != mine {
                return;
            }
            // A failed suggestion is not worth an error: the form still searches.
            let found = answer.map(|a| a.suggestions).unwrap_or_default();
            open.set(!found.is_empty());
            active.set(None);
            suggestions.set(found);
        });
    };
    let on_input = move |ev: leptos::ev::Event| {
        let query = event_target_value(&ev);
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        if query.trim().is_empty() {
            latest.update_value(|n| *n += 1);
            suggestions.set(Vec::new());
            close();
            return;
        }
        pending.set_value(set_timeout_with_handle(move || ask(query), DEBOUNCE).ok());
    };
    let go = move |index: usize| {
        if let Some(s) = suggestions.with_untracked(|all| all.get(index).cloned()) {
            let _ = window().location().assign(&suggestion_href(&s));
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = suggestions.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % count)));
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = Some(a.map_or(count - 1, |i| (i + count - 1) % count)));
            }
            "Enter" => {
                if let (true, Some(i)) = (open.get_untracked(), active.get_untracked()) {
                    ev.prevent_default();
                    go(i);
                }
            }
            // The first Escape closes the list and keeps the text; the next one clears the box
            // (the browser's own behaviour for search inputs).
            "Escape" if open.get_untracked() => {
                ev.prevent_default();
                close();
            }
            _ => {}
        }
    };
    let option_id = {
        let listbox_id = listbox_id.clone();
        move |i: usize| format!("{listbox_id}-{i}")
    };
    let active_descendant = {
        let option_id = option_id.clone();
        move || active.get().filter(|_| open.get()).map(&option_id)
    };
    let announcement = move || match (open.get(), suggestions.with(Vec::len)) {
        (false, _) | (true, 0) => String::new(),
        (true, 1) => "1 suggestion. Use the arrow keys to choose it.".to_string(),
        (true, n) => format!("{n} suggestions. Use the arrow keys to choose one."),
    };
    let options = move || {
        suggestions
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let href = suggestion_href(&s);
                let kind = if s.kind == "name" {
                    "Integration"
                } else {
                    "Use case"
                };
                view! {
                    <li
                        id=option_id(i)
                        role="option"
                        class="suggest__option"
                        aria-selected=move || (active.get() == Some(i)).to_string()
                        // Keep the focus in the input: choosing must not blur it first.
                        on:mousedown=move |ev| ev.prevent_default()
                        on:click=move |_| go(i)
                    >
                        <a href=href tabindex="-1">
                            <span class="suggest__text" inner_html=s.highlighted></span>
                            <span class="suggest__kind">{kind}</span>
                        </a>
                    </li>
                }
            })
            .collect_view()
    };
    let class = if large {
        "search search--large"
    } else {
        "search"
    };
    let (label, landmark) = if large {
        (
            "Search integrations by name, tool or use case",
            "Search the marketplace",
        )
    } else {
        ("Search integrations", "Site search")
    };

    view! {
        <form class=class role="search" aria-label=landmark action="/search" method="get">
            <label class="search__label" for=input_id.clone()>{label}</label>
            <div class="search__row">
                <div class="suggest">
                    <input
                        id=input_id
                        class="search__input"
                        type="search"
                        name="q"
                        placeholder="e.g. Slack, invoicing, CRM"
                        autocomplete="off"
                        role="combobox"
                        aria-autocomplete="list"
                        aria-controls=listbox_id.clone()
                        aria-expanded=move || open.get().to_string()
                        aria-activedescendant=active_descendant
                        value=value
                        on:input=on_input
                        on:keydown=on_keydown
                        on:blur=move |_| close()
                    />
                    <ul
                        id=listbox_id
                        class="suggest__list"
                        role="listbox"
                        aria-label="Suggestions"
                        hidden=move || !open.get()
                    >
                        {options}
                    </ul>
                </div>
                <button class="button" type="submit">"Search"</button>
            </div>
            <p class="visually-hidden" role="status" aria-live="polite">{announcement}</p>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suggestion(text: &str, kind: &str, slug: Option<&str>) -> Suggestion {
        Suggestion {
            text: text.into(),
            kind: kind.into(),
            slug: slug.map(Into::into),
            highlighted: text.into(),
        }
    }

    #[test]
    fn suggestions_lead_to_a_listing_or_a_search() {
        assert_eq!(
            suggestion_href(&suggestion("Slack", "name", Some("slack"))),
            "/integrations/slack"
        );
        assert_eq!(
            suggestion_href(&suggestion("sync invoices & bills", "use_case", None)),
            "/search?q=sync+invoices+%26+bills"
        );
        assert_eq!(encode("café/ü?"), "caf%C3%A9%2F%C3%BC%3F");
    }
}
