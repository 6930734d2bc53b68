use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

async fn marketplace() -> (TestApp, Session, Session) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    app.create_category(&admin, "finance").await;
    let owner = app.active_partner("acme").await;
    (app, owner, admin)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_create_drafts() {
    let (app, owner, _) = marketplace().await;
    let res = app
        .create_listing(&owner, "acme", "invoice-sync", "finance")
        .await;
    assert_eq!(
        res.headers()["location"],
        "/api/v1/listings/invoice-sync/manage"
    );
    let l = expect_json(res, StatusCode::CREATED).await;
    assert_eq!(l["status"], "draft");
    assert_eq!(l["partner"]["slug"], "acme");
    assert_eq!(l["content"]["categories"], json!(["finance"]));
    assert_eq!(l["content"]["pricing"]["model"], "freemium");

    let managed = expect_json(
        app.get("/api/v1/listings/invoice-sync/manage", Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(managed, l);
    let history = expect_json(
        app.get("/api/v1/listings/invoice-sync/history", Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(history[0]["to_status"], "draft");

    let res = app
        .create_listing(&owner, "acme", "invoice-sync", "finance")
        .await;
    expect_problem(res, StatusCode::CONFLICT, "slug_taken").await;
    // A minimal draft may be incomplete.
    let res = app
        .post(
            "/api/v1/listings",
            Some(&owner.token),
            &json!({"partner": "acme", "slug": "minimal", "name": "Minimal", "tagline": "Soon"}),
        )
        .await;
    assert_eq!(
        expect_json(res, StatusCode::CREATED).await["content"]["pricing"]["model"],
        "free"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_and_other_partners_cannot_create_listings() {
    let (app, _, _) = marketplace().await;
    let customer = app.register("casey@customer.example").await;
    expect_problem(
        app.create_listing(&customer, "acme", "x", "crm").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let rival = app.active_partner("rival").await;
    expect_problem(
        app.create_listing(&rival, "acme", "x", "crm").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let admin = app.admin().await;
    expect_problem(
        app.create_listing(&admin, "acme", "x", "crm").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let res = app
        .post("/api/v1/listings", None, &listing_body("acme", "x", "crm"))
        .await;
    expect_problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let p = expect_problem(
        app.create_listing(&rival, "no-such-partner", "x", "crm")
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "unknown_partner");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_and_listings_in_review_are_invisible_to_the_public_and_other_partners() {
    let (app, owner, _) = marketplace().await;
    app.create_listing(&owner, "acme", "secret-draft", "crm")
        .await;
    let rival = app.active_partner("rival").await;
    let customer = app.register("casey@customer.example").await;

    for token in [
        None,
        Some(customer.token.as_str()),
        Some(rival.token.as_str()),
    ] {
        expect_problem(
            app.get("/api/v1/listings/secret-draft", token).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    for token in [&customer.token, &rival.token] {
        expect_problem(
            app.get("/api/v1/listings/secret-draft/manage", Some(token))
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        expect_problem(
            app.get("/api/v1/listings/secret-draft/history", Some(token))
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    app.action("/api/v1/listings/secret-draft/submit", Some(&owner.token))
        .await;
    expect_problem(
        app.get("/api/v1/listings/secret-draft", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.get("/api/v1/listings/secret-draft/manage", Some(&rival.token))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let list = expect_json(app.get("/api/v1/listings", None).await, StatusCode::OK).await;
    assert_eq!(list["items"], json!([]));
    // Even the owner's public read is the public view.
    expect_problem(
        app.get("/api/v1/listings/secret-draft", Some(&owner.token))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_member_cannot_edit_another_partners_listing() {
    let (app, owner, admin) = marketplace().await;
    app.published_listing(&owner, "acme", "acme-sync", "crm")
        .await;
    app.create_listing(&owner, "acme", "acme-draft", "crm")
        .await;
    let rival = app.active_partner("rival").await;
    let res = app
        .patch(
            "/api/v1/listings/acme-sync",
            Some(&rival.token),
            &json!({"name": "Hijacked"}),
        )
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .patch(
            "/api/v1/listings/acme-draft",
            Some(&rival.token),
            &json!({"name": "Hijacked"}),
        )
        .await;
    expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    // Admins review; they do not edit partners' content.
    let res = app
        .patch(
            "/api/v1/listings/acme-draft",
            Some(&admin.token),
            &json!({"name": "Edited"}),
        )
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .patch(
            "/api/v1/listings/acme-draft",
            None,
            &json!({"name": "Edited"}),
        )
        .await;
    expect_problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let l = expect_json(
        app.get("/api/v1/listings/acme-sync", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(l["name"], "acme-sync for Slack");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_are_edited_in_place() {
    let (app, owner, _) = marketplace().await;
    app.create_listing(&owner, "acme", "sync", "crm").await;
    let res = app
        .patch("/api/v1/listings/sync", Some(&owner.token), &json!({
            "name": "Better Sync", "categories": ["crm", "finance"], "video_url": "https://video.example/v", "support_url": null
        }))
        .await;
    let l = expect_json(res, StatusCode::OK).await;
    assert_eq!(l["content"]["name"], "Better Sync");
    assert_eq!(l["content"]["categories"], json!(["crm", "finance"]));
    assert_eq!(l["content"]["video_url"], "https://video.example/v");
    assert_eq!(l["content"]["support_url"], json!(null));
    assert_eq!(
        l["content"]["tagline"], "Post paid invoices to Slack",
        "untouched fields stay"
    );
    assert!(l["pending_revision"].is_null());

    let res = app
        .patch(
            "/api/v1/listings/sync",
            Some(&owner.token),
            &json!({"name": "", "categories": ["nope"], "use_cases": ["x"]}),
        )
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&p), vec!["name", "use_cases[0]"]);
    let res = app
        .patch(
            "/api/v1/listings/sync",
            Some(&owner.token),
            &json!({"categories": ["nope"]}),
        )
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&p), vec!["categories[0]"]);
    let res = app
        .patch(
            "/api/v1/listings/sync",
            Some(&owner.token),
            &json!({"slug": "renamed"}),
        )
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    // Nothing of the refused edits was written.
    let l = expect_json(
        app.get("/api/v1/listings/sync/manage", Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(l["content"]["name"], "Better Sync");
    assert_eq!(l["content"]["categories"], json!(["crm", "finance"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_listing_reads_show_published_content() {
    let (app, owner, _) = marketplace().await;
    app.published_listing(&owner, "acme", "acme-sync", "crm")
        .await;
    let res = app.get("/api/v1/listings/acme-sync", None).await;
    assert!(res.headers().contains_key("etag"));
    let l = expect_json(res, StatusCode::OK).await;
    assert_eq!(l["slug"], "acme-sync");
    assert_eq!(l["categories"], json!([{"slug": "crm", "name": "CRM"}]));
    assert_eq!(l["use_cases"], json!(["sync invoices to slack"]));
    assert_eq!(l["screenshots"][0]["alt"], "Settings page");
    assert!(l["description_html"]
        .as_str()
        .unwrap()
        .contains("<h2>Features</h2>"));
    assert!(l["published_at"].is_string());
    assert_eq!(
        l["partner"],
        json!({"slug": "acme", "name": "acme Inc", "tier": "registered", "certified": false, "verified": false})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_descriptions_are_rendered_safely() {
    let (app, owner, _) = marketplace().await;
    let mut body = listing_body("acme", "evil", "crm");
    body["description"] =
        json!("<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>");
    app.post("/api/v1/listings", Some(&owner.token), &body)
        .await;
    app.action("/api/v1/listings/evil/submit", Some(&owner.token))
        .await;
    let admin = app.admin().await;
    app.action("/api/v1/listings/evil/approve", Some(&admin.token))
        .await;
    let l = expect_json(app.get("/api/v1/listings/evil", None).await, StatusCode::OK).await;
    let html = l["description_html"].as_str().unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.to_lowercase().contains("href=\"javascript"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_list_filters_and_pages_by_popularity() {
    let (app, owner, _) = marketplace().await;
    let other = app.active_partner("other").await;
    for (who, partner, slug, cat) in [
        (&owner, "acme", "a-one", "crm"),
        (&owner, "acme", "a-two", "finance"),
        (&other, "other", "o-one", "crm"),
    ] {
        app.published_listing(who, partner, slug, cat).await;
    }
    let mut paid = listing_body("acme", "a-paid", "finance");
    paid["pricing"] = json!({"model": "paid", "details": "$10"});
    app.post("/api/v1/listings", Some(&owner.token), &paid)
        .await;
    app.action("/api/v1/listings/a-paid/submit", Some(&owner.token))
        .await;
    let admin = app.admin().await;
    app.action("/api/v1/listings/a-paid/approve", Some(&admin.token))
        .await;

    let slugs = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["slug"].as_str().unwrap().to_string())
            .collect()
    };
    let all = expect_json(app.get("/api/v1/listings", None).await, StatusCode::OK).await;
    assert_eq!(
        slugs(&all),
        vec!["a-paid", "o-one", "a-two", "a-one"],
        "equal installs: newest first"
    );
    assert_eq!(all["items"][0]["categories"], json!(["finance"]));

    let crm = expect_json(
        app.get("/api/v1/listings?category=crm", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(slugs(&crm), vec!["o-one", "a-one"]);
    let by_partner = expect_json(
        app.get("/api/v1/listings?partner=other", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(slugs(&by_partner), vec!["o-one"]);
    let paid_only = expect_json(
        app.get("/api/v1/listings?pricing=paid", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(slugs(&paid_only), vec!["a-paid"]);
    let combined = expect_json(
        app.get(
            "/api/v1/listings?category=finance&pricing=freemium&partner=acme",
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(slugs(&combined), vec!["a-two"]);
    let none = expect_json(
        app.get("/api/v1/listings?category=unknown", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(none["items"], json!([]));

    // Walk the pages: every listing once, in order.
    let mut seen = Vec::new();
    let mut url = "/api/v1/listings?limit=1".to_string();
    loop {
        let page = expect_json(app.get(&url, None).await, StatusCode::OK).await;
        seen.extend(slugs(&page));
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/listings?limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, slugs(&all));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_previews_markdown_with_the_pages_sanitiser() {
    let app = TestApp::spawn().await;
    let partner = app.active_partner("acme").await;
    let md = "## Setup\n\n1. **Connect** [docs](https://example.com)\n\n<script>alert(1)</script>\n[x](javascript:alert(1))";
    let res = app
        .post(
            "/api/v1/markdown/preview",
            Some(&partner.token),
            &json!({ "markdown": md }),
        )
        .await;
    let html = expect_json(res, StatusCode::OK).await["html"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(html.contains("<h2>Setup</h2>"), "{html}");
    assert!(html.contains("<strong>Connect</strong>"), "{html}");
    assert!(html.contains("rel=\"nofollow ugc noopener\""), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");

    // Too long, wrong shape, not JSON, nobody signed in.
    let res = app
        .post(
            "/api/v1/markdown/preview",
            Some(&partner.token),
            &json!({ "markdown": "x".repeat(20_001) }),
        )
        .await;
    let problem = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&problem), vec!["markdown"]);
    let res = app
        .post(
            "/api/v1/markdown/preview",
            Some(&partner.token),
            &json!({ "markdown": 5 }),
        )
        .await;
    let problem = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&problem), vec!["markdown"]);
    let res = app
        .post(
            "/api/v1/markdown/preview",
            Some(&partner.token),
            &json!({ "markdown": "", "html": true }),
        )
        .await;
    let problem = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&problem), vec!["html"]);
    let res = app
        .post(
            "/api/v1/markdown/preview",
            None,
            &json!({ "markdown": "hi" }),
        )
        .await;
    expect_problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}
