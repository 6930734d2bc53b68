//! A partner's page: who they are, where they work, their certifications, and their listings.

use leptos::prelude::*;
use mercato_shared::api::listings::ListingSummary;
use mercato_shared::api::partners::{Motion, Partner, Region, Tier};

use crate::components::ListingGrid;

fn motion_label(m: Motion) -> &'static str {
    match m {
        Motion::Technology => "Technology partner",
        Motion::Services => "Services partner",
        Motion::Referral => "Referral partner",
        Motion::Reseller => "Reseller",
        Motion::Influence => "Influencer",
    }
}

fn region_label(r: Region) -> &'static str {
    match r {
        Region::NorthAmerica => "North America",
        Region::LatinAmerica => "Latin America",
        Region::Europe => "Europe",
        Region::MiddleEastAfrica => "Middle East & Africa",
        Region::AsiaPacific => "Asia Pacific",
    }
}

#[component]
pub fn PartnerPage(
    partner: Partner,
    listings: Vec<ListingSummary>,
    next_href: Option<String>,
) -> impl IntoView {
    let tier = match partner.tier {
        Tier::Premier => Some("Premier partner"),
        Tier::Select => Some("Select partner"),
        Tier::Registered => None,
    };
    let count = match partner.published_listing_count {
        1 => "1 integration".to_string(),
        n => format!("{n} integrations"),
    };
    view! {
        <article class="listing" aria-labelledby="partner-title">
            <header class="listing__header">
                <div class="listing__logo" aria-hidden="true">{partner.name.chars().next().unwrap_or('?').to_string()}</div>
                <div class="listing__heading">
                    <h1 id="partner-title">{partner.name.clone()}</h1>
                    <p class="listing__facts">
                        {tier.map(|t| view! { <span class="pill">{t}</span> })}
                        {partner.verified_domain.clone().map(|domain| view! {
                            <span class="pill pill--success" title=format!("{} has proven control of {domain}", partner.name)>
                                {format!("Verified: {domain}")}
                            </span>
                        })}
                        <span>{count}</span>
                        {partner.website.clone().map(|url| view! {
                            <span><a href=url rel="noopener">"Website"</a></span>
                        })}
                    </p>
                    {(!partner.motions.is_empty()).then(|| view! {
                        <ul class="badges" aria-label="Partnership">
                            {partner.motions.iter().map(|m| view! { <li class="pill">{motion_label(*m)}</li> }).collect_view()}
                        </ul>
                    })}
                </div>
            </header>
            <div class="listing__layout">
                <div class="listing__main">
                    <section aria-labelledby="about-partner">
                        <h2 id="about-partner">{format!("About {}", partner.name)}</h2>
                        <div class="prose" inner_html=partner.description_html></div>
                    </section>
                    <section aria-labelledby="partner-listings">
                        <h2 id="partner-listings">"Integrations"</h2>
                        <ListingGrid listings next_href empty="This partner has no published integrations yet." />
                    </section>
                </div>
                <aside class="listing__side" aria-label="Details">
                    {(!partner.regions.is_empty()).then(|| view! {
                        <section class="panel">
                            <h2 class="panel__title">"Regions"</h2>
                            <ul class="plain-list">
                                {partner.regions.iter().map(|r| view! { <li>{region_label(*r)}</li> }).collect_view()}
                            </ul>
                        </section>
                    })}
                    {(!partner.certifications.is_empty()).then(|| view! {
                        <section class="panel">
                            <h2 class="panel__title">"Certifications"</h2>
                            <ul class="plain-list">
                                {partner.certifications.iter().map(|c| view! {
                                    <li><span class="pill pill--success">{c.name.clone()}</span></li>
                                }).collect_view()}
                            </ul>
                        </section>
                    })}
                </aside>
            </div>
        </article>
    }
}
