//! The client-rendered home page in the site's frame.

use leptos::prelude::*;

use crate::layout::Layout;
use crate::pages::home::HomePage;

#[component]
pub fn App() -> impl IntoView {
    view! {
        <Layout>
            <HomePage />
        </Layout>
    }
}
