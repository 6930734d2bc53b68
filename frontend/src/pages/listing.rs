//! A listing's page: what it does, screenshots, the setup video, use cases, pricing, the
//! partner behind it, badges, rating and reviews, the install panel (an island). Rendered on the server from the listing itself (see
//! `ssr.rs`), so it is complete without JavaScript.

use leptos::prelude::*;
use mercato_shared::api::listings::{Listing, PricingModel};
use mercato_shared::api::partners::Tier;
use mercato_shared::api::reviews::Review;
use mercato_shared::validate::Slug;

use crate::components::{ContactForm, ContactFormView};
use crate::islands::{stars, InstallPanel};

/// "4.5 out of 5 from 12 reviews", or that there are none yet.
pub fn rating_text(rating: f64, count: i64) -> String {
    match count {
        0 => "No reviews yet".to_string(),
        1 => format!("{rating:.1} out of 5 from 1 review"),
        n => format!("{rating:.1} out of 5 from {n} reviews"),
    }
}

/// 42180 → "42,180".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

fn pricing_label(model: PricingModel) -> &'static str {
    match model {
        PricingModel::Free => "Free",
        PricingModel::Freemium => "Free plan available",
        PricingModel::Paid => "Paid",
    }
}

fn badge_label(badge: &str) -> String {
    let mut words = badge.replace(['_', '-'], " ");
    if let Some(first) = words.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    words
}

#[component]
pub fn ListingPage(
    listing: Listing,
    form: ContactForm,
    /// The newest visible reviews.
    reviews: Vec<Review>,
) -> impl IntoView {
    let Listing {
        slug,
        partner,
        name,
        tagline,
        description: _,
        description_html,
        categories,
        use_cases,
        screenshots,
        video_url,
        install_url: _,
        pricing,
        support_url,
        documentation_url,
        privacy_policy_url,
        badges,
        monthly_installs,
        active_installs,
        rating,
        review_count,
        published_at: _,
        updated_at: _,
    } = listing;
    let install_slug = slug.clone();
    let partner_href = format!("/partners/{}", partner.slug);
    let tier = match partner.tier {
        Tier::Premier => Some("Premier partner"),
        Tier::Select => Some("Select partner"),
        Tier::Registered => None,
    };
    let installs = monthly_installs.max(active_installs);
    let resources: Vec<(&'static str, String)> = [
        ("Documentation", documentation_url),
        ("Support", support_url),
        ("Privacy policy", privacy_policy_url),
    ]
    .into_iter()
    .filter_map(|(label, url)| url.map(|u| (label, u)))
    .collect();

    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <ol>
                <li><a href="/">"Integrations"</a></li>
                {categories.first().map(|c| view! {
                    <li><a href=format!("/categories/{}", c.slug)>{c.name.clone()}</a></li>
                })}
                <li aria-current="page">{name.clone()}</li>
            </ol>
        </nav>
        <article class="listing" aria-labelledby="listing-title">
            <header class="listing__header">
                <div class="listing__logo" aria-hidden="true">{name.chars().next().unwrap_or('?').to_string()}</div>
                <div class="listing__heading">
                    <h1 id="listing-title">{name.clone()}</h1>
                    <p class="listing__tagline">{tagline}</p>
                    <p class="listing__by">
                        "By " <a href=partner_href.clone()>{partner.name.clone()}</a>
                        {tier.map(|t| view! { <span class="pill">{t}</span> })}
                        {partner.certified.then(|| view! { <span class="pill pill--success">"Certified"</span> })}
                        {partner.verified.then(|| view! {
                            <span class="pill pill--success" title="This partner has proven control of its website's domain">"Verified"</span>
                        })}
                    </p>
                    <p class="listing__facts">
                        <span class="rating">{rating_text(rating, review_count)}</span>
                        <span>{pricing_label(pricing.model)}</span>
                        {(installs > 0).then(|| view! { <span>{format!("{} installs", thousands(installs))}</span> })}
                    </p>
                    {(!badges.is_empty()).then(|| view! {
                        <ul class="badges" aria-label="Badges">
                            {badges.iter().map(|b| view! { <li class="pill">{badge_label(b)}</li> }).collect_view()}
                        </ul>
                    })}
                </div>
            </header>
            <div class="listing__layout">
                <div class="listing__main">
                    {(!screenshots.is_empty()).then(|| view! {
                        <section aria-labelledby="gallery-title">
                            <h2 id="gallery-title">"Screenshots"</h2>
                            <ul class="gallery" role="list">
                                {screenshots.into_iter().map(|s| view! {
                                    <li class="gallery__item">
                                        <img src=s.url alt=s.alt loading="lazy" decoding="async" width="800" height="500" />
                                    </li>
                                }).collect_view()}
                            </ul>
                        </section>
                    })}
                    <section aria-labelledby="about-title">
                        <h2 id="about-title">"About this integration"</h2>
                        <div class="prose" inner_html=description_html></div>
                    </section>
                    {(!use_cases.is_empty()).then(|| view! {
                        <section aria-labelledby="use-cases-title">
                            <h2 id="use-cases-title">"Use cases"</h2>
                            <ul class="use-cases">
                                {use_cases.into_iter().map(|u| {
                                    match Slug::slugify(&u) {
                                        Some(slug) => view! {
                                            <li><a href=format!("/use-cases/{}", slug.as_str())>{u}</a></li>
                                        }.into_any(),
                                        None => view! { <li>{u}</li> }.into_any(),
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                    })}
                    <Reviews reviews rating review_count />
                    <section id="contact" class="panel contact" aria-labelledby="contact-title">
                        <h2 id="contact-title">"Request an intro or talk to an expert"</h2>
                        <ContactFormView slug partner_name=partner.name.clone() form />
                    </section>
                </div>
                <aside class="listing__side" aria-label="Details">
                    <InstallPanel listing=install_slug listing_name=name.clone() partner_name=partner.name.clone() />
                    <p><a class="button button--secondary listing__cta" href="#contact">"Talk to an expert"</a></p>
                    {video_url.map(|url| view! {
                        <section class="panel">
                            <h2 class="panel__title">"Value in 10 minutes"</h2>
                            <p><a class="button button--secondary" href=url rel="noopener">"Watch the setup video"</a></p>
                        </section>
                    })}
                    <section class="panel">
                        <h2 class="panel__title">"Pricing"</h2>
                        <p>{pricing_label(pricing.model)}</p>
                        {pricing.details.map(|d| view! { <p class="muted">{d}</p> })}
                    </section>
                    <section class="panel">
                        <h2 class="panel__title">"Categories"</h2>
                        <ul class="plain-list">
                            {categories.into_iter().map(|c| view! {
                                <li><a href=format!("/categories/{}", c.slug)>{c.name}</a></li>
                            }).collect_view()}
                        </ul>
                    </section>
                    <section class="panel">
                        <h2 class="panel__title">"Built by"</h2>
                        <p><a href=partner_href>{partner.name}</a></p>
                    </section>
                    {(!resources.is_empty()).then(|| view! {
                        <section class="panel">
                            <h2 class="panel__title">"Resources"</h2>
                            <ul class="plain-list">
                                {resources.into_iter().map(|(label, url)| view! {
                                    <li><a href=url rel="noopener">{label}</a></li>
                                }).collect_view()}
                            </ul>
                        </section>
                    })}
                </aside>
            </div>
        </article>
    }
}

/// The reviews section: the average, then the newest reviews with the partner's replies.
#[component]
fn Reviews(reviews: Vec<Review>, rating: f64, review_count: i64) -> impl IntoView {
    view! {
        <section id="reviews" aria-labelledby="reviews-title">
            <h2 id="reviews-title">"Reviews"</h2>
            <p class="rating">{rating_text(rating, review_count)}</p>
            {if reviews.is_empty() {
                view! {
                    <p class="empty">"Installed it? Be the first to review it from the install panel."</p>
                }
                .into_any()
            } else {
                view! {
                    <ul class="reviews" role="list">
                        {reviews.into_iter().map(|r| {
                            let who = match &r.author_name {
                                Some(author) => format!("{author}, {}", r.workspace_name),
                                None => r.workspace_name.clone(),
                            };
                            view! {
                                <li class="review">
                                    <p class="review__stars" role="img" aria-label=format!("{} out of 5", r.rating)>
                                        {stars(r.rating)}
                                    </p>
                                    <p class="review__body">{r.body}</p>
                                    <p class="review__meta">
                                        {who} " · "
                                        <time datetime=r.created_at.to_rfc3339()>{r.created_at.format("%-d %B %Y").to_string()}</time>
                                    </p>
                                    {r.reply.map(|reply| view! {
                                        <div class="review__reply">
                                            <p class="review__reply-title">"Reply from the partner"</p>
                                            <p>{reply}</p>
                                        </div>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_ratings_read_naturally() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(42_180), "42,180");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(rating_text(0.0, 0), "No reviews yet");
        assert_eq!(rating_text(5.0, 1), "5.0 out of 5 from 1 review");
        assert_eq!(rating_text(4.25, 8), "4.2 out of 5 from 8 reviews");
    }
}
