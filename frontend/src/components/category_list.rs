use leptos::prelude::*;
use mercato_shared::api::categories::Category;

/// The categories as a list of links, each with its number of listings.
#[component]
pub fn CategoryList(categories: Vec<Category>) -> impl IntoView {
    if categories.is_empty() {
        return view! { <p class="empty">"No categories yet."</p> }.into_any();
    }
    view! {
        <ul class="category-list" role="list">
            {categories
                .into_iter()
                .map(|category| {
                    let href = format!("/categories/{}", category.slug);
                    let count = match category.listing_count {
                        1 => "1 integration".to_string(),
                        n => format!("{n} integrations"),
                    };
                    view! {
                        <li>
                            <a class="category-list__link" href=href>
                                <span>{category.name}</span>
                                <span class="category-list__count">{count}</span>
                            </a>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}
