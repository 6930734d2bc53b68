//! The browser-rendered home page (feature `csr`, e.g. under `trunk serve`): loads its data
//! from the API, with a loading state and a clear error for each part, then shows the same
//! `HomePage` sections the server renders.

use leptos::prelude::*;

use crate::api;
use crate::components::{CategoryList, ErrorNotice, Loading};
use crate::layout::Layout;
use crate::pages::home::{PopularGrid, POPULAR_LIMIT};

#[component]
pub fn App() -> impl IntoView {
    let popular = LocalResource::new(|| api::listings(POPULAR_LIMIT));
    let categories = LocalResource::new(api::categories);

    let popular_view = move || match popular.get() {
        None => view! { <Loading what="popular integrations" /> }.into_any(),
        Some(Err(error)) => view! {
            <ErrorNotice
                what="popular integrations"
                error
                on_retry=Callback::new(move |()| popular.refetch())
            />
        }
        .into_any(),
        Some(Ok(page)) => view! { <PopularGrid popular=page.items /> }.into_any(),
    };
    let categories_view = move || match categories.get() {
        None => view! { <Loading what="categories" /> }.into_any(),
        Some(Err(error)) => view! {
            <ErrorNotice
                what="categories"
                error
                on_retry=Callback::new(move |()| categories.refetch())
            />
        }
        .into_any(),
        Some(Ok(page)) => view! { <CategoryList categories=page.items /> }.into_any(),
    };

    view! {
        <Layout>
            <section class="hero" aria-labelledby="hero-title">
                <h1 id="hero-title">"Find the integrations your team runs on"</h1>
                <p class="hero__lead">
                    "Connect the tools you already use. Every listing is built and supported by a Mercato partner."
                </p>
            </section>
            <div class="home-layout">
                <section class="home-layout__main" aria-labelledby="popular-title">
                    <h2 id="popular-title">"Popular integrations"</h2>
                    {popular_view}
                </section>
                <aside class="home-layout__side" aria-labelledby="categories-title">
                    <h2 id="categories-title">"Browse by category"</h2>
                    {categories_view}
                </aside>
            </div>
        </Layout>
    }
}
