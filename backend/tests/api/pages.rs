//! Server-rendered public pages as a crawler (or a visitor without JavaScript) gets them: the
//! listing page's content, head and structured data, the real 404 page, the sitemap (and its
//! index past the per-file limit) and robots.txt.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

async fn page(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let res = app.get(path, None).await;
    let status = res.status();
    let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
    (status, content_type, res.text().await.unwrap())
}

/// The JSON-LD object of a page.
fn json_ld(html: &str) -> Value {
    let start = html
        .find("<script type=\"application/ld+json\">")
        .expect("a JSON-LD script")
        + "<script type=\"application/ld+json\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("valid JSON-LD")
}

async fn marketplace() -> (TestApp, Session) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let owner = app.active_partner("acme").await;
    app.published_listing(&owner, "acme", "acme-sync", "crm")
        .await;
    (app, owner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_page_is_complete_html_without_javascript() {
    let (app, _) = marketplace().await;
    let (status, content_type, html) = page(&app, "/integrations/acme-sync").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    // The content itself.
    assert!(html.contains(">acme-sync for Slack</h1>"), "{html}");
    assert!(html.contains("Post paid invoices to Slack"));
    assert!(
        html.contains("<h2>Features</h2>"),
        "the rendered description"
    );
    assert!(html.contains("<li>Sync invoices</li>"));
    assert!(html.contains("sync invoices to slack"), "use cases");
    assert!(html.contains("src=\"https://cdn.example/shot.png\""));
    assert!(html.contains("alt=\"Settings page\""));
    assert!(html.contains("Free up to 100 invoices"), "pricing");
    assert!(html.contains("href=\"/partners/acme\""));
    // The head a crawler reads.
    let canonical = format!(
        "<link rel=\"canonical\" href=\"{}/integrations/acme-sync\">",
        app.address
    );
    assert!(html.contains(&canonical), "{html}");
    assert!(html.contains("<title>acme-sync for Slack integration by "));
    assert!(
        html.contains("<meta name=\"description\" content=\"Post paid invoices to Slack Features")
    );
    assert!(
        html.contains("<meta property=\"og:title\" content=\"acme-sync for Slack integration by")
    );
    assert!(html.contains("<meta property=\"og:image\" content=\"https://cdn.example/shot.png\">"));
    let ld = json_ld(&html);
    assert_eq!(ld["@type"], "SoftwareApplication");
    assert_eq!(ld["name"], "acme-sync for Slack");
    assert_eq!(ld["url"], format!("{}/integrations/acme-sync", app.address));
    assert_eq!(ld["publisher"]["@type"], "Organization");
    assert_eq!(
        ld["publisher"]["url"],
        format!("{}/partners/acme", app.address)
    );
    assert_eq!(ld["offers"]["price"], "0", "freemium has a free offer");
    assert!(ld.get("aggregateRating").is_none(), "no reviews yet");
    // Readable as it is: the only script is the deferred module that hydrates the islands,
    // never one that the content needs.
    assert_eq!(
        html.matches("<script").count(),
        2,
        "JSON-LD and the bundle's loader"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_give_the_listing_an_aggregate_rating() {
    let (app, _) = marketplace().await;
    for (i, rating) in [5, 4].into_iter().enumerate() {
        let customer = app.register(&format!("c{i}@customer{i}.example")).await;
        let ws = app
            .installed_workspace(&customer, &format!("Team {i}"), "acme-sync")
            .await;
        let res = app
            .post(
                "/api/v1/listings/acme-sync/reviews",
                Some(&customer.token),
                &json!({"workspace": ws, "rating": rating, "body": "Useful <b>daily</b>."}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let (_, _, html) = page(&app, "/integrations/acme-sync").await;
    let ld = json_ld(&html);
    assert_eq!(ld["aggregateRating"]["@type"], "AggregateRating");
    assert_eq!(ld["aggregateRating"]["ratingValue"], "4.5");
    assert_eq!(ld["aggregateRating"]["reviewCount"], 2);
    assert!(html.contains("4.5 out of 5 from 2 reviews"));
    // The reviews themselves, newest first, as text (never as markup).
    let newest = html.find("Team 1").expect("the newest review");
    let older = html.find("Team 0").expect("the older review");
    assert!(newest < older);
    assert!(html.contains("Useful &lt;b&gt;daily&lt;/b&gt;."), "{html}");
    assert!(!html.contains("Useful <b>daily</b>"));
    assert!(html.contains("aria-label=\"4 out of 5\""));

    // A review hidden by an admin leaves the page.
    let admin = app.admin().await;
    let reviews = expect_json(
        app.get("/api/v1/listings/acme-sync/reviews", None).await,
        StatusCode::OK,
    )
    .await;
    let id = reviews["items"][0]["id"].as_i64().unwrap();
    let res = app
        .post(
            &format!("/api/v1/reviews/{id}/hide"),
            Some(&admin.token),
            &json!({"reason": "spam"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (_, _, html) = page(&app, "/integrations/acme-sync").await;
    assert!(!html.contains("Team 1"));
    assert!(html.contains("Team 0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_pages_carry_the_install_island_and_load_the_bundle() {
    let (app, _) = marketplace().await;
    let (_, _, html) = page(&app, "/integrations/acme-sync").await;
    assert!(html.contains("<script type=\"module\" src=\"/boot.js\"></script>"));
    // The islands the bundle hydrates, with their props; the page around them is plain HTML.
    assert!(html.contains("<leptos-island data-component=\"InstallPanel_"));
    assert!(
        html.contains("&quot;listing&quot;:&quot;acme-sync&quot;"),
        "{html}"
    );
    assert!(html.contains("<leptos-island data-component=\"SearchBox_"));
    assert!(html.contains("<leptos-island data-component=\"AccountMenu_"));
    // Before the bundle runs (or without JavaScript), "Install" leads to sign-in and back.
    assert!(html.contains("href=\"/sign-in?next=%2Fintegrations%2Facme-sync%23install\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_sign_up_pages_return_only_to_this_site() {
    let app = TestApp::spawn().await;
    for (path, title) in [
        ("/sign-in", "<title>Sign in · Mercato</title>"),
        ("/sign-up", "<title>Create your account · Mercato</title>"),
    ] {
        let (status, _, html) = page(&app, &format!("{path}?next=%2Fintegrations%2Fx")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(title), "{html}");
        assert!(html.contains("<leptos-island data-component=\"AuthForm_"));
        assert!(
            html.contains("&quot;next&quot;:&quot;/integrations/x&quot;"),
            "{html}"
        );
        assert!(
            html.contains("Signing in needs JavaScript"),
            "a note for visitors without it"
        );
        // Another origin is never a place to go afterwards.
        for evil in [
            "%2F%2Fevil.example",
            "https%3A%2F%2Fevil.example",
            "javascript%3Aalert(1)",
        ] {
            let (status, _, html) = page(&app, &format!("{path}?next={evil}")).await;
            assert_eq!(status, StatusCode::OK);
            assert!(
                html.contains("&quot;next&quot;:&quot;/&quot;"),
                "{evil}: {html}"
            );
            assert!(!html.contains("evil.example"));
        }
        // A garbled query string only loses `next`.
        let (status, _, html) = page(&app, &format!("{path}?next=%ZZ&&=")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("&quot;next&quot;:&quot;/&quot;"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_that_name_nothing_are_real_404_pages() {
    let (app, owner) = marketplace().await;
    // A draft is not public.
    let res = app
        .create_listing(&owner, "acme", "acme-draft", "crm")
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    for path in [
        "/integrations/acme-draft",
        "/integrations/nothing-here",
        "/integrations/Not%20A%20Slug",
        "/no/such/page",
        "/sitemaps/listings-2.xml",
        "/sitemaps/other.xml",
    ] {
        let (status, content_type, html) = page(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(content_type.starts_with("text/html"), "{path}");
        assert!(
            html.contains("We couldn’t find that page"),
            "{path}: {html}"
        );
        assert!(html.contains("href=\"/style.css\""), "styled like the site");
        assert!(html.contains("Skip to content"), "with the site's frame");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sitemap_lists_public_listings_and_robots_points_to_it() {
    let app = TestApp::spawn_with(|s| s.public_url = Some("https://market.example/".into())).await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let owner = app.active_partner("acme").await;
    app.published_listing(&owner, "acme", "acme-sync", "crm")
        .await;
    let res = app
        .create_listing(&owner, "acme", "acme-draft", "crm")
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let (status, content_type, xml) = page(&app, "/sitemap.xml").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("application/xml"));
    assert!(xml.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
    assert!(xml.contains("<url><loc>https://market.example/</loc>"));
    assert!(xml.contains("<url><loc>https://market.example/integrations/acme-sync</loc><lastmod>"));
    assert!(!xml.contains("acme-draft"), "drafts are not public");
    assert!(xml.contains("<url><loc>https://market.example/categories/crm</loc><lastmod>"));
    assert!(xml.contains("<url><loc>https://market.example/partners/acme</loc><lastmod>"));
    assert!(
        xml.contains(
            "<url><loc>https://market.example/use-cases/sync-invoices-to-slack</loc><lastmod>"
        ),
        "{xml}"
    );
    // The configured public origin is the canonical one.
    let (_, _, html) = page(&app, "/integrations/acme-sync").await;
    assert!(html.contains(
        "<link rel=\"canonical\" href=\"https://market.example/integrations/acme-sync\">"
    ));

    let (status, _, robots) = page(&app, "/robots.txt").await;
    assert_eq!(status, StatusCode::OK);
    assert!(robots.contains("Disallow: /api/"));
    assert!(robots.contains("Disallow: /sign-in"));
    assert!(robots.contains("Sitemap: https://market.example/sitemap.xml"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_per_file_limit_the_sitemap_is_an_index() {
    let app = TestApp::spawn_with(|s| s.sitemap_urls_per_file = 2).await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let owner = app.active_partner("acme").await;
    for slug in ["acme-one", "acme-two", "acme-three"] {
        app.published_listing(&owner, "acme", slug, "crm").await;
    }
    let (_, _, xml) = page(&app, "/sitemap.xml").await;
    assert!(xml.contains("<sitemapindex"), "{xml}");
    assert_eq!(xml.matches("<sitemap>").count(), 3, "{xml}");
    assert!(xml.contains(&format!(
        "<loc>{}/sitemaps/pages.xml</loc><lastmod>",
        app.address
    )));
    assert!(xml.contains(&format!(
        "<loc>{}/sitemaps/listings-2.xml</loc><lastmod>",
        app.address
    )));
    let (_, _, pages) = page(&app, "/sitemaps/pages.xml").await;
    assert!(
        pages.contains(&format!("<loc>{}/</loc>", app.address)),
        "the home page"
    );
    assert!(pages.contains("/categories/crm<") && pages.contains("/partners/acme<"));
    let (_, _, first) = page(&app, "/sitemaps/listings-1.xml").await;
    let (_, _, second) = page(&app, "/sitemaps/listings-2.xml").await;
    assert!(first.contains("/integrations/acme-one<") && first.contains("/integrations/acme-two<"));
    assert_eq!(first.matches("<url>").count(), 2);
    assert!(second.contains("/integrations/acme-three<"));
    assert_eq!(second.matches("<url>").count(), 1);
    let (status, _, _) = page(&app, "/sitemaps/listings-3.xml").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_page_shows_the_profile_and_its_listings() {
    let (app, _) = marketplace().await;
    let (status, _, html) = page(&app, "/partners/acme").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(">acme Inc</h1>"), "{html}");
    assert!(html.contains("href=\"/integrations/acme-sync\""));
    assert!(html.contains("1 integration<"));
    assert!(html.contains(&format!(
        "<link rel=\"canonical\" href=\"{}/partners/acme\">",
        app.address
    )));
    let ld = json_ld(&html);
    assert_eq!(ld["@type"], "Organization");
    assert_eq!(ld["name"], "acme Inc");
    // Suspended partners and unknown ones have no page; nor has a cursor this site did not make.
    let admin = app.admin().await;
    app.active_partner("rival").await;
    let res = app
        .action("/api/v1/partners/rival/suspend", Some(&admin.token))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    for path in [
        "/partners/rival",
        "/partners/nobody",
        "/partners/acme?cursor=garbage",
    ] {
        let (status, _, html) = page(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains("We couldn’t find that page"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_category_page_lists_its_integrations_page_by_page() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    app.create_category(&admin, "finance").await;
    let owner = app.active_partner("acme").await;
    for i in 0..25 {
        app.published_listing(&owner, "acme", &format!("crm-app-{i:02}"), "crm")
            .await;
    }
    app.published_listing(&owner, "acme", "ledger-app", "finance")
        .await;
    let (status, _, html) = page(&app, "/categories/crm").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(">CRM integrations</h1>"), "{html}");
    assert!(html.contains("25 integrations"));
    assert!(!html.contains("ledger-app"), "only this category");
    assert_eq!(html.matches("class=\"card\"").count(), 24, "one page");
    let ld = json_ld(&html);
    assert_eq!(ld["@type"], "CollectionPage");
    assert_eq!(
        ld["mainEntity"]["itemListElement"]
            .as_array()
            .unwrap()
            .len(),
        24
    );
    // The next page is a plain link.
    assert!(html.contains("rel=\"next\""));
    let start = html
        .find("href=\"/categories/crm?cursor=")
        .expect("a next link");
    let href = &html[start + 6..];
    let href = &href[..href.find('"').unwrap()];
    let (status, _, second) = page(&app, href).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(second.matches("class=\"card\"").count(), 1);
    assert!(!second.contains("rel=\"next\""));
    assert!(second.contains(&format!(
        "<link rel=\"canonical\" href=\"{}{}\">",
        app.address, href
    )));
    let (status, _, _) = page(&app, "/categories/unknown").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_page_finds_with_typos_and_keeps_filters_in_the_url() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    app.create_category(&admin, "finance").await;
    let owner = app.active_partner("acme").await;
    app.published_listing(&owner, "acme", "invoice-bridge", "finance")
        .await;
    app.published_listing(&owner, "acme", "contact-sync", "crm")
        .await;
    app.wait_for_search().await;

    // A typo still finds it; the matched word is marked.
    let (status, _, html) = page(&app, "/search?q=invoise").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Results for “invoise”"), "{html}");
    assert!(
        html.contains("value=\"invoise\""),
        "the header's box keeps the query"
    );
    assert!(html.contains("href=\"/integrations/invoice-bridge\""));
    assert!(html.contains("<mark>"));
    assert!(!html.contains("href=\"/integrations/contact-sync\""));
    // Facets are links that put the filter in the URL.
    let (_, _, all) = page(&app, "/search?q=slack").await;
    assert!(
        all.contains("href=\"/search?q=slack&amp;category=crm\"")
            || all.contains("href=\"/search?q=slack&category=crm\""),
        "{all}"
    );
    let (_, _, crm) = page(&app, "/search?q=slack&category=crm").await;
    assert!(crm.contains("href=\"/integrations/contact-sync\""));
    assert!(!crm.contains("href=\"/integrations/invoice-bridge\""));
    assert!(
        crm.contains("aria-current=\"true\""),
        "the chosen filter is marked"
    );
    assert!(crm.contains(&format!(
        "<link rel=\"canonical\" href=\"{}/search?q=slack&amp;category=crm\">",
        app.address
    )));
    // A filter from an old link that names nothing is dropped, not an error.
    let (status, _, html) = page(&app, "/search?q=slack&category=gone&utm_source=x").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("href=\"/integrations/contact-sync\""));
    // Nothing found says so.
    let (_, _, none) = page(&app, "/search?q=zzzzqqqq").await;
    assert!(none.contains("No integrations match"));
}

async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(fields).unwrap())
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contact_form_works_without_javascript_and_reaches_the_partner() {
    let (app, owner) = marketplace().await;
    let path = "/integrations/acme-sync/contact";
    let good = [
        ("kind", "intro"),
        ("contact_name", "Casey Jones"),
        ("email", "casey@customer.example"),
        ("company_name", "Customer Co"),
        ("company_domain", "customer.example"),
        ("message", "We would like an introduction."),
        ("consent", "yes"),
        ("website", ""),
    ];
    let res = post_form(&app, path, &good).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        "/integrations/acme-sync?sent=1#contact"
    );
    let (status, _, html) = page(&app, "/integrations/acme-sync?sent=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Thanks — your request is on its way."));
    // The partner has the lead, routed to it.
    let leads = expect_json(
        app.get("/api/v1/partners/acme/leads", Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    let items = leads.as_array().unwrap();
    assert_eq!(items.len(), 1, "{leads}");
    assert_eq!(items[0]["email"], "casey@customer.example");
    assert_eq!(items[0]["kind"], "intro");
    assert_eq!(items[0]["listing"], "acme-sync");

    // Refused input comes back with each error at its field and the values kept.
    let res = post_form(
        &app,
        path,
        &[
            ("kind", "implementation_help"),
            ("contact_name", ""),
            ("email", "not-an-email"),
            ("company_name", "Customer <Co>"),
            ("company_domain", "customer.example"),
            ("message", "Help"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("Please correct the fields marked below."));
    assert!(html.contains("id=\"contact-email-error\""), "{html}");
    assert!(html.contains("id=\"contact-contact_name-error\""));
    assert!(html.contains("id=\"contact-consent-error\""));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("value=\"not-an-email\""), "values are kept");
    assert!(
        html.contains("value=\"Customer &lt;Co&gt;\""),
        "and escaped"
    );
    assert!(!html.contains("id=\"contact-company_name-error\""));
    assert!(html.contains("<option value=\"implementation_help\" selected"));

    // A bot filling the hidden field gets the same answer and leaves no lead.
    let mut bot = good.to_vec();
    bot.retain(|(k, _)| *k != "website" && *k != "email");
    bot.push(("website", "http://spam.example"));
    bot.push(("email", "bot@spam.example"));
    let res = post_form(&app, path, &bot).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let leads = expect_json(
        app.get("/api/v1/partners/acme/leads", Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(leads.as_array().unwrap().len(), 1);
    // No such listing: the 404 page.
    let res = post_form(&app, "/integrations/nothing/contact", &good).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// Over the hourly limit of leads from one address, the contact form comes back with the
/// reason (and 429), not a bare problem document a browser would show as text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_over_the_hourly_limit_gets_the_form_back_with_the_reason() {
    let app = TestApp::spawn_with(|s| s.leads_per_address_per_hour = 1).await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let owner = app.active_partner("acme").await;
    app.published_listing(&owner, "acme", "acme-sync", "crm")
        .await;
    let form = |email: &'static str| {
        [
            ("kind", "intro"),
            ("contact_name", "Casey Jones"),
            ("email", email),
            ("company_name", "Customer Co"),
            ("company_domain", "customer.example"),
            ("message", "We would like an introduction."),
            ("consent", "yes"),
        ]
    };
    let path = "/integrations/acme-sync/contact";
    let res = post_form(&app, path, &form("one@customer.example")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = post_form(&app, path, &form("two@customer.example")).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Too many requests came from here in the last hour"),
        "{html}"
    );
    assert!(
        html.contains("value=\"two@customer.example\""),
        "values are kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_use_case_page_lists_the_integrations_that_name_it() {
    let (app, owner) = marketplace().await;
    app.published_listing(&owner, "acme", "acme-alerts", "crm")
        .await;
    let res = app
        .create_listing(&owner, "acme", "acme-draft", "crm")
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    app.wait_for_search().await;

    // Listing pages link their use cases.
    let (_, _, listing) = page(&app, "/integrations/acme-sync").await;
    assert!(
        listing.contains("href=\"/use-cases/sync-invoices-to-slack\""),
        "{listing}"
    );

    let (status, _, html) = page(&app, "/use-cases/sync-invoices-to-slack").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(">Sync invoices to slack: the integrations that do it</h1>"),
        "{html}"
    );
    assert!(html.contains("2 integrations on Mercato help you sync invoices to slack"));
    assert!(html.contains("href=\"/integrations/acme-sync\""));
    assert!(html.contains("href=\"/integrations/acme-alerts\""));
    assert!(!html.contains("acme-draft"), "drafts are not public");
    assert!(html.contains(&format!(
        "<link rel=\"canonical\" href=\"{}/use-cases/sync-invoices-to-slack\">",
        app.address
    )));
    let ld = json_ld(&html);
    assert_eq!(
        ld["mainEntity"]["itemListElement"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Words that match listings but are nobody's use case are no page.
    for path in [
        "/use-cases/sync-invoices",
        "/use-cases/nothing-like-this",
        "/use-cases/Bad_Slug",
    ] {
        let (status, _, _) = page(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_ask_for_integrations_and_vote_without_javascript() {
    let app = TestApp::spawn().await;
    let (status, _, html) = page(&app, "/requests").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Nobody has asked yet."));

    let ask = [
        ("tool", "Pipedrive"),
        ("use_case", "Sync deals both ways"),
        ("email", "first@customer.example"),
    ];
    let res = post_form(&app, "/requests", &ask).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/requests?asked=1");
    let (_, _, html) = page(&app, "/requests?asked=1").await;
    assert!(html.contains("Thanks — your request is listed."));
    assert!(html.contains(">Pipedrive</h3>"));
    let listed = expect_json(
        app.get("/api/v1/integration-requests", None).await,
        StatusCode::OK,
    )
    .await;
    let id = listed["items"][0]["id"].as_i64().unwrap();
    assert_eq!(listed["items"][0]["votes"], 1);

    // Another person votes; the same person cannot vote twice.
    let path = format!("/requests/{id}/vote");
    let res = post_form(&app, &path, &[("email", "second@customer.example")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = post_form(&app, &path, &[("email", "second@customer.example")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("You already voted for this one."));
    let listed = expect_json(
        app.get("/api/v1/integration-requests", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"][0]["votes"], 2);

    // Bad input comes back at its field, with what was typed.
    let res = post_form(
        &app,
        "/requests",
        &[("tool", ""), ("use_case", "Something"), ("email", "nope")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"ask-tool-error\""), "{html}");
    assert!(html.contains("id=\"ask-email-error\""));
    assert!(html.contains("value=\"nope\""));
    let res = post_form(&app, &path, &[("email", "")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for path in ["/requests/999999/vote", "/requests/abc/vote"] {
        let res = post_form(&app, path, &[("email", "x@customer.example")]).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_is_server_rendered_with_popular_listings_and_categories() {
    let (app, _) = marketplace().await;
    let (status, content_type, html) = page(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"));
    assert!(html.contains(">Find the integrations your team runs on</h1>"));
    assert!(
        !html.contains("Staff picks"),
        "no staff picks yet, no section"
    );
    assert!(html.contains("href=\"/integrations/acme-sync\""), "{html}");
    assert!(html.contains("href=\"/categories/crm\""));
    assert!(html.contains("1 integration"));
    assert!(html.contains(&format!(
        "<link rel=\"canonical\" href=\"{}/\">",
        app.address
    )));
    let ld = json_ld(&html);
    assert_eq!(ld["@type"], "WebSite");
    assert_eq!(
        ld["potentialAction"]["target"],
        format!("{}/search?q={{search_term_string}}", app.address)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_picks_are_featured_on_the_home_page() {
    let (app, owner) = marketplace().await;
    app.published_listing(&owner, "acme", "acme-picked", "crm")
        .await;
    let admin = app.admin().await;
    let res = app
        .put(
            "/api/v1/listings/acme-picked/badges",
            Some(&admin.token),
            &json!({"badges": ["staff-pick"]}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    app.wait_for_search().await;
    let (_, _, html) = page(&app, "/").await;
    let featured = &html[html.find("Staff picks").expect("a featured section")..];
    let featured = &featured[..featured.find("Popular integrations").unwrap()];
    assert!(
        featured.contains("href=\"/integrations/acme-picked\""),
        "{featured}"
    );
    assert!(!featured.contains("href=\"/integrations/acme-sync\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_answer_head_requests_without_a_body() {
    let (app, _) = marketplace().await;
    for path in [
        "/",
        "/integrations/acme-sync",
        "/sitemap.xml",
        "/robots.txt",
        "/search?q=slack",
    ] {
        let res = app.call(reqwest::Method::HEAD, path, None, None).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(res.headers().contains_key("content-type"), "{path}");
        assert!(res.text().await.unwrap().is_empty(), "{path}");
    }
    let res = app
        .call(
            reqwest::Method::DELETE,
            "/integrations/acme-sync",
            None,
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_analytics_console_is_a_shell_for_its_island_and_not_for_search_engines() {
    let app = TestApp::spawn().await;
    let (status, _, html) = page(&app, "/analytics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<html lang=\"en\" data-bundle=\"analytics\">"),
        "{html}"
    );
    assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"));
    // The console's bundle renders it in the browser, where it checks the session first.
    assert!(html.contains("<div data-console=\"\" class=\"console-root\">"));
    assert!(html.contains("Checking your access…"));
    let (_, _, robots) = page(&app, "/robots.txt").await;
    assert!(robots.contains("Disallow: /analytics"));
    // Public pages load the public bundle.
    let (_, _, home) = page(&app, "/").await;
    assert!(home.contains("<html lang=\"en\">"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_partner_portal_and_admin_console_are_frames_for_their_bundles() {
    let app = TestApp::spawn().await;
    for (path, bundle) in [
        ("/partner", "partner"),
        ("/partner/acme/listings/new", "partner"),
        ("/partner/acme/leads", "partner_ops"),
        ("/admin", "admin"),
        ("/admin/review/invoice-sync", "admin"),
        ("/admin/audit", "admin_ops"),
    ] {
        let res = app.get(path, None).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains(&format!("data-bundle=\"{bundle}\"")),
            "{path}"
        );
        assert!(
            html.contains("<meta name=\"robots\" content=\"noindex\">"),
            "{path}"
        );
        // The console's bundle renders the console in this box, where the server put its
        // first state.
        assert!(
            html.contains("<div data-console=\"\" class=\"console-root\">"),
            "{path}: {html}"
        );
        assert!(html.contains("Checking your access…"), "{path}");
    }
    let (_, _, robots) = page(&app, "/robots.txt").await;
    for rule in [
        "Disallow: /admin",
        "Disallow: /partner/",
        "Disallow: /partner$",
    ] {
        assert!(robots.contains(rule), "{robots}");
    }
    // Partner profiles stay public and indexable.
    assert!(!robots.contains("Disallow: /partners"));
}
