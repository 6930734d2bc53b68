//! A use case's page ("sync invoices to slack"): the integrations that do it, with a short
//! introduction written for people arriving from a search engine.

use leptos::prelude::*;
use mercato_shared::api::listings::ListingSummary;

use crate::components::ListingGrid;

/// "sync invoices to slack" → "Sync invoices to slack".
pub fn sentence_case(phrase: &str) -> String {
    let mut chars = phrase.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[component]
pub fn UseCasePage(phrase: String, listings: Vec<ListingSummary>) -> impl IntoView {
    let count = listings.len();
    let intro = match count {
        1 => format!(
            "One integration on Mercato helps you {phrase}. See what it does, what it costs and who builds it, then install it in minutes."
        ),
        n => format!(
            "{n} integrations on Mercato help you {phrase}. Compare what they do, their ratings, pricing and the partners behind them, then install the one that fits."
        ),
    };
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <ol>
                <li><a href="/">"Integrations"</a></li>
                <li aria-current="page">{sentence_case(&phrase)}</li>
            </ol>
        </nav>
        <section class="hero" aria-labelledby="use-case-title">
            <h1 id="use-case-title">{format!("{}: the integrations that do it", sentence_case(&phrase))}</h1>
            <p class="hero__lead">{intro}</p>
        </section>
        <section aria-label="Integrations">
            <ListingGrid listings next_href=None empty="No integrations do this yet." />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_start_with_a_capital() {
        assert_eq!(
            sentence_case("sync invoices to slack"),
            "Sync invoices to slack"
        );
        assert_eq!(sentence_case(" élan "), "Élan");
        assert_eq!(sentence_case(""), "");
    }
}
