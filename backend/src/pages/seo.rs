//! Structured data and the sitemap.

use chrono::{DateTime, Utc};
use mercato_shared::api::listings::{Listing, ListingSummary, PricingModel};
use serde_json::{json, Value};

use super::escape;

/// schema.org `SoftwareApplication` for a listing, with its rating (when it has reviews) and
/// the partner as the publishing `Organization`.
pub fn listing_json_ld(listing: &Listing, url: &str, origin: &str) -> Value {
    let mut app = json!({
        "@context": "https://schema.org",
        "@type": "SoftwareApplication",
        "name": listing.name,
        "description": listing.tagline,
        "url": url,
        "applicationCategory": "BusinessApplication",
        "operatingSystem": "Web",
        "publisher": {
            "@type": "Organization",
            "name": listing.partner.name,
            "url": format!("{origin}/partners/{}", listing.partner.slug),
        },
        "dateModified": listing.updated_at,
    });
    if let Some(first) = listing.categories.first() {
        app["applicationSubCategory"] = json!(first.name);
    }
    if let Some(shot) = listing.screenshots.first() {
        app["screenshot"] = json!(shot.url);
    }
    if listing.pricing.model != PricingModel::Paid {
        app["offers"] = json!({"@type": "Offer", "price": "0", "priceCurrency": "USD"});
    }
    if listing.review_count > 0 {
        app["aggregateRating"] = json!({
            "@type": "AggregateRating",
            "ratingValue": format!("{:.1}", listing.rating),
            "reviewCount": listing.review_count,
            "bestRating": "5",
            "worstRating": "1",
        });
    }
    app
}

/// schema.org `CollectionPage` whose main entity lists `listings` (category and use-case pages).
pub fn collection_json_ld(
    name: &str,
    url: &str,
    origin: &str,
    listings: &[ListingSummary],
) -> Value {
    json!({
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "name": name,
        "url": url,
        "mainEntity": {
            "@type": "ItemList",
            "itemListElement": listings.iter().enumerate().map(|(i, l)| json!({
                "@type": "ListItem",
                "position": i + 1,
                "url": format!("{origin}/integrations/{}", l.slug),
                "name": l.name,
            })).collect::<Vec<_>>(),
        },
    })
}

/// One `<url>` of a sitemap.
pub struct SitemapUrl {
    pub loc: String,
    pub lastmod: Option<DateTime<Utc>>,
}

pub fn urlset(urls: &[SitemapUrl]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for u in urls {
        out.push_str("<url><loc>");
        out.push_str(&escape(&u.loc));
        out.push_str("</loc>");
        if let Some(t) = u.lastmod {
            out.push_str(&format!(
                "<lastmod>{}</lastmod>",
                t.format("%Y-%m-%dT%H:%M:%SZ")
            ));
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

/// A sitemap index: `/sitemaps/pages.xml` then `/sitemaps/listings-{n}.xml` (from 1), each with
/// the latest change among its URLs (`lastmods[0]` is the pages file's).
pub fn index(origin: &str, lastmods: &[Option<DateTime<Utc>>]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (i, lastmod) in lastmods.iter().enumerate() {
        let file = match i {
            0 => "pages.xml".to_string(),
            n => format!("listings-{n}.xml"),
        };
        out.push_str(&format!(
            "<sitemap><loc>{}/sitemaps/{file}</loc>",
            escape(origin),
        ));
        if let Some(t) = lastmod {
            out.push_str(&format!(
                "<lastmod>{}</lastmod>",
                t.format("%Y-%m-%dT%H:%M:%SZ")
            ));
        }
        out.push_str("</sitemap>\n");
    }
    out.push_str("</sitemapindex>\n");
    out
}

/// How many sitemap files `total` URLs take at `per_file` each (at least one).
pub fn parts(total: u64, per_file: u64) -> u64 {
    total.div_ceil(per_file.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_split_into_files_of_at_most_per_file() {
        assert_eq!(parts(0, 50_000), 1);
        assert_eq!(parts(50_000, 50_000), 1);
        assert_eq!(parts(50_001, 50_000), 2);
        assert_eq!(parts(197_049, 50_000), 4);
    }

    #[test]
    fn sitemaps_escape_and_date_their_urls() {
        let t: DateTime<Utc> = "2026-11-26T10:00:00Z".parse().unwrap();
        let xml = urlset(&[SitemapUrl {
            loc: "https://m.example/integrations/a&b".into(),
            lastmod: Some(t),
        }]);
        assert!(xml.contains("<loc>https://m.example/integrations/a&amp;b</loc><lastmod>2026-11-26T10:00:00Z</lastmod>"));
        let xml = index("https://m.example", &[Some(t), None]);
        assert!(xml.contains("<loc>https://m.example/sitemaps/pages.xml</loc><lastmod>"));
        assert!(xml.contains("<loc>https://m.example/sitemaps/listings-1.xml</loc></sitemap>"));
    }
}
