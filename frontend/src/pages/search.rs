//! Search results: the query, the facets (category, pricing, badge) as links whose filters live
//! in the URL, the hits with the matched words marked, and the next page.

use leptos::prelude::*;
use mercato_shared::api::search::{FacetCount, SearchHit, SearchResponse};

/// What a search page shows: its query and filters, as the URL carries them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchFilters {
    pub q: String,
    pub category: Option<String>,
    pub pricing: Option<String>,
    pub badge: Option<String>,
}

/// Percent-encodes a query-string value (spaces as `+`).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl SearchFilters {
    /// `/search?q=…&category=…` with what is set, plus `extra` (e.g. a cursor).
    pub fn href(&self, extra: Option<(&str, &str)>) -> String {
        let mut parts = vec![format!("q={}", encode(&self.q))];
        for (key, value) in [
            ("category", &self.category),
            ("pricing", &self.pricing),
            ("badge", &self.badge),
        ] {
            if let Some(v) = value {
                parts.push(format!("{key}={}", encode(v)));
            }
        }
        if let Some((key, value)) = extra {
            parts.push(format!("{key}={}", encode(value)));
        }
        format!("/search?{}", parts.join("&"))
    }

    /// These filters with one facet set to `value`, or cleared when it already is.
    fn toggled(&self, facet: &str, value: &str) -> SearchFilters {
        let mut next = self.clone();
        let slot = match facet {
            "category" => &mut next.category,
            "pricing" => &mut next.pricing,
            _ => &mut next.badge,
        };
        *slot = if slot.as_deref() == Some(value) {
            None
        } else {
            Some(value.to_string())
        };
        next
    }
}

fn label(facet: &str, value: &str, names: &[(String, String)]) -> String {
    if let Some((_, name)) = names
        .iter()
        .find(|(slug, _)| facet == "category" && slug == value)
    {
        return name.clone();
    }
    match (facet, value) {
        ("pricing", "free") => "Free".into(),
        ("pricing", "freemium") => "Free plan".into(),
        ("pricing", "paid") => "Paid".into(),
        ("badge", "verified") => "Verified partner".into(),
        _ => {
            let mut words = value.replace(['-', '_'], " ");
            if let Some(first) = words.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            words
        }
    }
}

#[component]
fn FacetGroup(
    title: &'static str,
    facet: &'static str,
    counts: Vec<FacetCount>,
    filters: SearchFilters,
    /// Category slugs and their names.
    #[prop(optional)]
    names: Vec<(String, String)>,
) -> impl IntoView {
    let selected = match facet {
        "category" => filters.category.clone(),
        "pricing" => filters.pricing.clone(),
        _ => filters.badge.clone(),
    };
    (!counts.is_empty()).then(|| {
        view! {
            <section class="panel facet">
                <h2 class="panel__title">{title}</h2>
                <ul class="plain-list">
                    {counts.into_iter().map(|c| {
                        let on = selected.as_deref() == Some(c.value.as_str());
                        let href = filters.toggled(facet, &c.value).href(None);
                        view! {
                            <li>
                                <a class=if on { "facet__link facet__link--on" } else { "facet__link" } href=href
                                    aria-current=on.then_some("true")>
                                    <span>{label(facet, &c.value, &names)}</span>
                                    <span class="facet__count">{c.count}</span>
                                </a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
fn Hit(hit: SearchHit) -> impl IntoView {
    let href = format!("/integrations/{}", hit.slug);
    view! {
        <li class="card hit">
            <h2 class="card__name">
                <a class="card__link" href=href inner_html=hit.highlights.name></a>
            </h2>
            <p class="card__tagline" inner_html=hit.highlights.tagline></p>
            {(!hit.highlights.description.is_empty()).then(|| view! {
                <p class="hit__snippet" inner_html=hit.highlights.description.clone()></p>
            })}
            <p class="card__partner">
                <span class="visually-hidden">"Built by "</span>
                {hit.partner.name}
            </p>
        </li>
    }
}

#[component]
pub fn SearchPage(
    filters: SearchFilters,
    results: SearchResponse,
    /// Category slugs and their names, for the category facet.
    category_names: Vec<(String, String)>,
) -> impl IntoView {
    let title = if filters.q.trim().is_empty() {
        "All integrations".to_string()
    } else {
        format!("Results for “{}”", filters.q.trim())
    };
    let total = match results.estimated_total {
        0 => "No integrations match".to_string(),
        1 => "1 integration".to_string(),
        n => format!("{n} integrations"),
    };
    let filtered =
        filters.category.is_some() || filters.pricing.is_some() || filters.badge.is_some();
    let clear = SearchFilters {
        q: filters.q.clone(),
        ..Default::default()
    }
    .href(None);
    let next = results
        .next_cursor
        .as_deref()
        .map(|c| filters.href(Some(("cursor", c))));
    let SearchResponse { hits, facets, .. } = results;
    view! {
        <section class="search-head" aria-labelledby="search-title">
            <h1 id="search-title">{title}</h1>
            <p class="muted" role="status">{total}</p>
        </section>
        <div class="listing__layout search-layout">
            <div class="listing__main">
                {if hits.is_empty() {
                    view! {
                        <div class="empty">
                            <p>"Nothing matches. Check the spelling, use fewer words, or clear the filters."</p>
                            {filtered.then(|| view! { <p><a href=clear.clone()>"Clear the filters"</a></p> })}
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <ul class="hit-list" role="list">
                            {hits.into_iter().map(|hit| view! { <Hit hit /> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                {next.map(|href| view! {
                    <p class="pager"><a class="button button--secondary" href=href rel="next">"More results"</a></p>
                })}
            </div>
            <aside class="listing__side" aria-label="Filters">
                {filtered.then(|| view! { <p><a href=clear>"Clear the filters"</a></p> })}
                <FacetGroup title="Category" facet="category" counts=facets.category filters=filters.clone() names=category_names />
                <FacetGroup title="Pricing" facet="pricing" counts=facets.pricing filters=filters.clone() />
                <FacetGroup title="Badges" facet="badge" counts=facets.badge filters=filters />
            </aside>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_live_in_the_url() {
        let f = SearchFilters {
            q: "sync invoices & bills".into(),
            category: Some("finance".into()),
            ..Default::default()
        };
        assert_eq!(
            f.href(None),
            "/search?q=sync+invoices+%26+bills&category=finance"
        );
        assert_eq!(
            f.toggled("pricing", "free").href(Some(("cursor", "MjA"))),
            "/search?q=sync+invoices+%26+bills&category=finance&pricing=free&cursor=MjA"
        );
        assert_eq!(
            f.toggled("category", "finance").href(None),
            "/search?q=sync+invoices+%26+bills"
        );
        assert_eq!(encode("ünï"), "%C3%BCn%C3%AF");
    }
}
