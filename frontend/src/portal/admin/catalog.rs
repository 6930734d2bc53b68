//! Categories (create, rename, describe, delete) and collections: curated sets of listings
//! that carry a badge. "Staff picks" (`staff-pick`) is the home page's featured collection.

use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::categories::{Category, CreateCategory, UpdateCategory};
use mercato_shared::api::listings::{ManagedListing, SetBadgesRequest};
use mercato_shared::api::search::SearchResponse;
use mercato_shared::api::Page;

use crate::api::{self, seg, ApiError};
use crate::islands::{start_submit, Failure, FormProblem, TextField};
use crate::portal::ui::{load, show};

/// The collections admins curate: badge, name, where it shows.
const COLLECTIONS: [(&str, &str, &str); 2] = [
    ("staff-pick", "Staff picks", "Featured on the home page."),
    (
        "built-for-mercato",
        "Built for Mercato",
        "Listings that meet Mercato’s integration quality bar; a filter in search.",
    ),
];

#[component]
pub fn Catalog() -> impl IntoView {
    view! {
        <header class="console-head">
            <h1>"Categories & collections"</h1>
        </header>
        <Categories />
        {COLLECTIONS.iter().map(|(badge, name, note)| view! { <Collection badge=*badge name=*name note=*note /> }).collect_view()}
    }
}

#[component]
fn Categories() -> impl IntoView {
    let data = load(|| async {
        Ok(api::get::<Page<Category>>("/api/v1/categories?limit=100")
            .await?
            .items)
    });
    let slug = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let failure: Failure = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let create = move |ev: leptos::ev::SubmitEvent| {
        if !start_submit(&ev, busy, failure) {
            return;
        }
        spawn_local(async move {
            let body = CreateCategory {
                slug: slug.get_untracked(),
                name: name.get_untracked(),
                description: description.get_untracked(),
            };
            match api::post::<Category>("/api/v1/categories", &body).await {
                Ok(_) => {
                    for s in [slug, name, description] {
                        s.set(String::new());
                    }
                    data.refetch();
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let changed = Callback::new(move |()| data.refetch());
    view! {
        <section class="console-section" aria-labelledby="categories-title">
            <h2 id="categories-title">"Categories"</h2>
            {show(data, "the categories", move |cats: Vec<Category>| view! {
                <ul class="cards" role="list">
                    {cats.into_iter().map(|c| view! { <CategoryRow category=c changed /> }).collect_view()}
                </ul>
            })}
            <details class="panel">
                <summary class="panel__title">"Add a category"</summary>
                <form class="form-grid" on:submit=create novalidate>
                    <FormProblem failure fields=&["slug", "name", "description"] />
                    <TextField id="category-slug" name="slug" label="Address" value=slug failure hint=Some("Lowercase letters, digits and hyphens: /categories/<address>.") />
                    <TextField id="category-name" name="name" label="Name" value=name failure />
                    <TextField id="category-description" name="description" label="Description" value=description failure required=false />
                    <button class="button" type="submit" disabled=move || busy.get()>"Add category"</button>
                </form>
            </details>
        </section>
    }
}

#[component]
fn CategoryRow(category: Category, changed: Callback<()>) -> impl IntoView {
    let path = StoredValue::new(format!("/api/v1/categories/{}", seg(&category.slug)));
    let name = RwSignal::new(category.name.clone());
    let description = RwSignal::new(category.description.clone());
    let failure = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    let confirm = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        spawn_local(async move {
            let body = UpdateCategory {
                name: Some(name.get_untracked()),
                description: Some(description.get_untracked()),
            };
            match api::patch::<Category>(&path.get_value(), &body).await {
                Ok(_) => {
                    failure.set(None);
                    saved.set(true);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let remove = move |_| {
        if !confirm.get_untracked() {
            confirm.set(true);
            return;
        }
        spawn_local(async move {
            match api::delete(&path.get_value()).await {
                Ok(()) => changed.run(()),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let id = category.slug.clone();
    let (name_id, description_id) = (
        format!("category-{id}-name"),
        format!("category-{id}-description"),
    );
    view! {
        <li class="card">
            <form class="form-inline" on:submit=save novalidate>
                <div class="field"><label class="field__label" for=name_id.clone()>"Name"</label>
                    <input class="field__input" id=name_id type="text" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) /></div>
                <div class="field row__grow"><label class="field__label" for=description_id.clone()>"Description"</label>
                    <input class="field__input" id=description_id type="text" prop:value=move || description.get()
                        on:input=move |ev| description.set(event_target_value(&ev)) /></div>
                <span class="muted small">{format!("/{} · {} listings", category.slug, category.listing_count)}</span>
                <button class="button button--small button--secondary" type="submit">"Save"</button>
                <button class="button button--small button--danger" type="button" on:click=remove
                    aria-label=format!("Delete category {}", category.name)>
                    {move || if confirm.get() { "Confirm delete" } else { "Delete" }}</button>
                {move || saved.get().then(|| view! { <span class="muted" role="status">"Saved."</span> })}
            </form>
            {move || failure.get().map(|e| view! { <p class="form-problem" role="alert">{e.to_string()}</p> })}
        </li>
    }
}

/// Adds the badge to (or takes it from) a listing, keeping its other badges.
async fn set_badge(listing: &str, badge: &str, on: bool) -> Result<(), ApiError> {
    let path = format!("/api/v1/listings/{}", seg(listing));
    let managed = api::get::<ManagedListing>(&format!("{path}/manage")).await?;
    let mut badges: Vec<String> = managed.badges.into_iter().filter(|b| b != badge).collect();
    if on {
        badges.push(badge.to_string());
    }
    api::put::<serde_json::Value>(&format!("{path}/badges"), &SetBadgesRequest { badges }).await?;
    Ok(())
}

#[component]
fn Collection(badge: &'static str, name: &'static str, note: &'static str) -> impl IntoView {
    let data = load(move || async move {
        Ok(
            api::get::<SearchResponse>(&format!("/api/v1/search?badge={badge}&limit=50"))
                .await?
                .hits,
        )
    });
    // The search index follows badge changes a moment later: what changed here is shown now.
    let added = RwSignal::new(Vec::<String>::new());
    let removed = RwSignal::new(Vec::<String>::new());
    let listing = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let change = move |slug: String, on: bool| {
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            match set_badge(&slug, badge, on).await {
                Ok(()) => {
                    added.update(|a| {
                        a.retain(|s| *s != slug);
                        if on {
                            a.push(slug.clone());
                        }
                    });
                    removed.update(|r| {
                        r.retain(|s| *s != slug);
                        if !on {
                            r.push(slug.clone());
                        }
                    });
                    listing.set(String::new());
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        change(listing.get_untracked().trim().to_string(), true);
    };
    let input_id = format!("collection-{badge}-listing");
    let title_id = format!("collection-{badge}-title");
    let labelled_by = title_id.clone();
    view! {
        <section class="console-section" aria-labelledby=labelled_by>
            <h2 id=title_id>{name}</h2>
            <p class="muted">{note}</p>
            {show(data, "the collection", move |hits: Vec<mercato_shared::api::search::SearchHit>| move || {
                let mut slugs: Vec<(String, String)> = hits
                    .iter()
                    .filter(|h| !removed.with(|r| r.contains(&h.slug)))
                    .map(|h| (h.slug.clone(), h.name.clone()))
                    .collect();
                for s in added.get() {
                    if !slugs.iter().any(|(x, _)| *x == s) {
                        slugs.push((s.clone(), s));
                    }
                }
                if slugs.is_empty() {
                    return view! { <p class="empty">"No listings in this collection yet."</p> }.into_any();
                }
                view! {
                    <ul class="stack" role="list">
                        {slugs.into_iter().map(|(slug, label)| {
                            let s = slug.clone();
                            view! {
                                <li><a href=format!("/integrations/{slug}")>{label.clone()}</a> " "
                                    <button type="button" class="button button--small button--quiet"
                                        aria-label=format!("Remove {label} from {name}")
                                        on:click=move |_| change(s.clone(), false)>"Remove"</button></li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            })}
            <form class="form-inline" on:submit=add novalidate>
                <div class="field"><label class="field__label" for=input_id.clone()>"Add a listing by its address"</label>
                    <input class="field__input" id=input_id type="text" placeholder="e.g. northwind-invoice-sync"
                        prop:value=move || listing.get() on:input=move |ev| listing.set(event_target_value(&ev)) /></div>
                <button class="button button--small" type="submit" disabled=move || busy.get()>"Add"</button>
            </form>
            {move || failure.get().map(|e| view! { <p class="form-problem" role="alert">{e.to_string()}</p> })}
        </section>
    }
}
