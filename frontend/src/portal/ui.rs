//! Pieces every console view uses: the access gate around a console, data loaded in the
//! browser with its loading / failed / ready states, the console's navigation, status chips,
//! dates, and file downloads.

use std::future::Future;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use mercato_shared::api::auth::Me;

use super::gate::{admit, Admission, NotAllowed};
use crate::api::ApiError;
use crate::components::{ErrorNotice, Loading};
use crate::islands::{here, with_next};

/// Data a console view loads in the browser (the server renders its loading state).
pub type Loaded<T> = LocalResource<Result<T, ApiError>>;

/// Starts loading with `fetch` (again on `refetch()`, and whenever a signal it reads changes).
pub fn load<T, Fut>(fetch: impl Fn() -> Fut + 'static) -> Loaded<T>
where
    T: 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    LocalResource::new(fetch)
}

/// Shows `data`: loading, a failure with "Try again", or `ready` with the value. A session
/// that ended on the way sends the visitor to sign in and back.
pub fn show<T, V>(
    data: Loaded<T>,
    what: &'static str,
    ready: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    move || match data.get() {
        None => view! { <Loading message=format!("Loading {what}…") /> }.into_any(),
        Some(Err(ApiError::SignedOut)) => {
            let _ = window().location().assign(&with_next("/sign-in", &here()));
            view! { <Loading message="Your session ended. Taking you to sign in…" /> }.into_any()
        }
        Some(Err(error)) => view! {
            <ErrorNotice what error on_retry=Callback::new(move |()| data.refetch()) />
        }
        .into_any(),
        Some(Ok(value)) => ready(value).into_any(),
    }
}

/// A console for the accounts `allowed` admits: signed-out visitors go to sign in and come
/// back, other accounts see "not allowed", the admitted see `content`.
pub fn gated<V: IntoView + 'static>(
    audience: &'static str,
    allowed: impl Fn(&Me) -> bool + 'static,
    content: impl Fn(Me) -> V + Send + Sync + 'static,
) -> impl IntoView {
    let admission = RwSignal::new(Admission::Checking);
    Effect::new(move |_| admission.set(admit(&allowed)));
    move || match admission.get() {
        Admission::Checking | Admission::SigningIn => {
            view! { <Loading message="Checking your access…" /> }.into_any()
        }
        Admission::NotAllowed => view! { <NotAllowed audience /> }.into_any(),
        Admission::Admitted(me) => content(me).into_any(),
    }
}

/// The console's sections as a navigation list; the current one is marked for everyone.
#[component]
pub fn ConsoleNav(
    label: &'static str,
    links: Vec<(String, &'static str)>,
    current: String,
) -> impl IntoView {
    view! {
        <nav class="console-nav" aria-label=label>
            <ul role="list">
                {links.into_iter().map(|(href, text)| {
                    let is_current = href == current;
                    view! {
                        <li><a href=href aria-current=is_current.then_some("page")>{text}</a></li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// A column of a [`DataTable`]: its heading, and whether it holds numbers (right-aligned).
#[derive(Debug, Clone, Copy)]
pub struct Column(pub &'static str, pub bool);

/// Text and number columns, for `DataTable`'s `columns`.
pub const fn text(heading: &'static str) -> Column {
    Column(heading, false)
}

pub const fn num(heading: &'static str) -> Column {
    Column(heading, true)
}

/// A table of the consoles: scrolls sideways on narrow screens, named by its caption (read by
/// screen readers; shown with `show_caption`), its column headings, and `children` as rows.
#[component]
pub fn DataTable(
    caption: &'static str,
    columns: Vec<Column>,
    #[prop(optional)] show_caption: bool,
    #[prop(default = "data-table")] class: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class=class>
                <caption class:visually-hidden=!show_caption>{caption}</caption>
                <thead><tr>
                    {columns.into_iter().map(|Column(heading, numeric)| view! {
                        <th scope="col" class:num=numeric>{heading}</th>
                    }).collect_view()}
                </tr></thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

/// A status as a labelled chip ("In review"); the words carry the meaning, the colour only
/// repeats it.
#[component]
pub fn Chip(status: String) -> impl IntoView {
    let class = format!("chip chip--{}", status.replace([' ', '.'], "_"));
    view! { <span class=class>{humanize(&status)}</span> }
}

/// `changes_requested` → "Changes requested".
pub fn humanize(code: &str) -> String {
    let words = code.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// "26 Nov 2026, 14:03 UTC".
pub fn when(at: &DateTime<Utc>) -> String {
    at.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// A duration in words: "3 h 12 min", "2 days 4 h", "45 s".
pub fn duration(ms: i64) -> String {
    let s = ms.unsigned_abs() / 1000;
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (1, h, _) => format!("1 day {h} h"),
        (d, h, _) => format!("{d} days {h} h"),
    }
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Offers `contents` to the browser as a file download named `file`.
pub fn download(file: &str, mime: &str, contents: &str) {
    let href = format!(
        "data:{mime};charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(contents))
    );
    let document = document();
    if let Ok(a) = document.create_element("a") {
        let _ = a.set_attribute("href", &href);
        let _ = a.set_attribute("download", file);
        if let Some(body) = document.body() {
            let _ = body.append_child(&a);
            if let Some(el) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&a) {
                el.click();
            }
            let _ = body.remove_child(&a);
        }
    }
}

/// Goes to another console page.
pub fn go(href: &str) {
    let _ = window().location().assign(href);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(45_000), "45 s");
        assert_eq!(duration(-125_000), "2 min");
        assert_eq!(duration((3 * 3600 + 12 * 60) * 1000), "3 h 12 min");
        assert_eq!(duration((50 * 3600) * 1000), "2 days 2 h");
        assert_eq!(humanize("changes_requested"), "Changes requested");
    }
}
