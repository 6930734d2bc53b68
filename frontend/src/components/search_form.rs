use leptos::prelude::*;

/// The site-wide search box: a plain GET form to `/search?q=…`, so it works without
/// JavaScript and announces itself as a search landmark.
#[component]
pub fn SearchForm(
    /// What the box shows: the query of the results page it sits on.
    #[prop(optional)]
    value: String,
) -> impl IntoView {
    view! {
        <form class="search" role="search" action="/search" method="get">
            <label class="search__label" for="site-search">"Search integrations"</label>
            <div class="search__row">
                <input
                    id="site-search"
                    class="search__input"
                    type="search"
                    name="q"
                    placeholder="e.g. Slack, invoicing, CRM"
                    autocomplete="off"
                    value=value
                />
                <button class="button" type="submit">"Search"</button>
            </div>
        </form>
    }
}
