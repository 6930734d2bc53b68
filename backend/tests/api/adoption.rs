//! Workspaces, installs with signed install tokens, funnel events, and reviews.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

async fn marketplace() -> (TestApp, Session, Session, i64) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let partner = app.active_partner("acme").await;
    app.published_listing(&partner, "acme", "acme-sync", "crm")
        .await;
    let customer = app.register("casey@customer.example").await;
    let ws = expect_json(
        app.post(
            "/api/v1/workspaces",
            Some(&customer.token),
            &json!({"name": "Casey Co", "domain": "casey.example", "plan": "pro"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    (app, partner, customer, ws["id"].as_i64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspaces_are_created_listed_and_edited_by_their_people() {
    let (app, _, customer, ws) = marketplace().await;
    let list = expect_json(
        app.get("/api/v1/workspaces", Some(&customer.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list[0]["role"], "owner");
    assert_eq!(list[0]["plan"], "pro");
    let path = format!("/api/v1/workspaces/{ws}");
    let w = expect_json(
        app.patch(
            &path,
            Some(&customer.token),
            &json!({"name": "Casey Corp", "domain": null}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (w["name"].as_str(), w["domain"].as_str()),
        (Some("Casey Corp"), None)
    );
    let p = expect_problem(
        app.patch(
            &path,
            Some(&customer.token),
            &json!({"domain": "not a domain"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), vec!["domain"]);
    let p = expect_problem(
        app.post(
            "/api/v1/workspaces",
            Some(&customer.token),
            &json!({"name": ""}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), vec!["name"]);

    // Strangers do not see it; a member may not manage it; analysts see it.
    let stranger = app.register("stranger@example.com").await;
    expect_problem(
        app.get(&path, Some(&stranger.token)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let colleague = app.register("colleague@casey.example").await;
    let res = app
        .post(
            &format!("{path}/members"),
            Some(&customer.token),
            &json!({"email": colleague.email, "role": "member"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    expect_problem(
        app.patch(&path, Some(&colleague.token), &json!({"name": "Mine"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let members = expect_json(
        app.get(&format!("{path}/members"), Some(&colleague.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(members.as_array().unwrap().len(), 2);
    let analyst = app
        .account_with_role("analyst@mercato.example", "analyst")
        .await;
    expect_json(app.get(&path, Some(&analyst.token)).await, StatusCode::OK).await;
    // The last owner stays.
    let res = app
        .delete(
            &format!("{path}/members/{}", customer.user_id),
            Some(&customer.token),
        )
        .await;
    expect_problem(res, StatusCode::CONFLICT, "last_owner").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_and_analysts_set_a_workspaces_status() {
    let (app, _, customer, ws) = marketplace().await;
    let path = format!("/api/v1/workspaces/{ws}/status");
    let body = json!({"status": "churned", "churned_at": "2020-01-01T00:00:00Z"});
    expect_problem(
        app.put(&path, Some(&customer.token), &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let analyst = app
        .account_with_role("analyst@mercato.example", "analyst")
        .await;
    let p = expect_problem(
        app.put(&path, Some(&analyst.token), &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "before_creation");
    let future = json!({"status": "churned", "churned_at": "2999-01-01T00:00:00Z"});
    expect_problem(
        app.put(&path, Some(&analyst.token), &future).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let w = expect_json(
        app.put(&path, Some(&analyst.token), &json!({"status": "churned"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(w["status"], "churned");
    assert!(w["churned_at"].is_string());
    // A churned workspace installs nothing.
    let res = app
        .post(
            &format!("/api/v1/workspaces/{ws}/installs"),
            Some(&customer.token),
            &json!({"listing": "acme-sync"}),
        )
        .await;
    expect_problem(res, StatusCode::CONFLICT, "invalid_state_transition").await;
    let w = expect_json(
        app.put(&path, Some(&analyst.token), &json!({"status": "active"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(w["churned_at"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installing_gives_a_token_the_partner_can_verify_and_is_idempotent() {
    let (app, partner, customer, ws) = marketplace().await;
    let path = format!("/api/v1/workspaces/{ws}/installs");
    let body = json!({"listing": "acme-sync", "source": "search", "utm_campaign": "spring"});
    let first = expect_json(
        app.post(&path, Some(&customer.token), &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(first["install"]["active"], true);
    assert_eq!(first["install"]["source"], "search");
    let token = first["install_token"].as_str().unwrap();
    let redirect = first["redirect_url"].as_str().unwrap();
    assert!(
        redirect.starts_with("https://partner.example/install?mercato_install_token="),
        "{redirect}"
    );

    // The partner verifies it with the published keys.
    let jwks = expect_json(
        app.get("/.well-known/jwks.json", None).await,
        StatusCode::OK,
    )
    .await;
    let key = &jwks["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["crv"].as_str(),
            key["alg"].as_str()
        ),
        (Some("OKP"), Some("Ed25519"), Some("EdDSA"))
    );
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::EdDSA);
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    let decoding =
        jsonwebtoken::DecodingKey::from_ed_components(key["x"].as_str().unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_audience(&["acme"]);
    validation.set_issuer(&["mercato"]);
    let claims = jsonwebtoken::decode::<Value>(token, &decoding, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["workspace_id"], ws);
    assert_eq!(claims["listing"], "acme-sync");
    assert_eq!(claims["install_id"], first["install"]["id"]);
    assert!(claims["exp"].as_i64().unwrap() > chrono::Utc::now().timestamp());
    // Tampering breaks it.
    let mut parts: Vec<String> = token.split('.').map(String::from).collect();
    parts[1] = parts[1].chars().rev().collect();
    assert!(jsonwebtoken::decode::<Value>(&parts.join("."), &decoding, &validation).is_err());

    // Again: nothing changes (200), still a fresh token.
    let again = expect_json(
        app.post(&path, Some(&customer.token), &body).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["install"]["id"], first["install"]["id"]);
    let listing = expect_json(
        app.get("/api/v1/listings/acme-sync", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listing["active_installs"], 1);

    // Uninstall, uninstall again, re-install.
    assert_eq!(
        app.delete(&format!("{path}/acme-sync"), Some(&customer.token))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.delete(&format!("{path}/acme-sync"), Some(&customer.token))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let listing = expect_json(
        app.get("/api/v1/listings/acme-sync", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listing["active_installs"], 0);
    let back = expect_json(
        app.post(
            &path,
            Some(&customer.token),
            &json!({"listing": "acme-sync"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(back["install"]["id"], first["install"]["id"]);
    let installs = expect_json(app.get(&path, Some(&customer.token)).await, StatusCode::OK).await;
    assert_eq!(installs.as_array().unwrap().len(), 1);
    assert_eq!(installs[0]["active"], true);

    // The history is kept, append-only.
    let analytics = expect_json(
        app.get("/api/v1/analytics/listings/acme-sync", Some(&partner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    let last = analytics["series"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (
            last["installs"].as_i64(),
            last["uninstalls"].as_i64(),
            last["active_installs"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installs_check_who_and_what() {
    let (app, partner, customer, ws) = marketplace().await;
    let path = format!("/api/v1/workspaces/{ws}/installs");
    let stranger = app.register("stranger@example.com").await;
    expect_problem(
        app.post(
            &path,
            Some(&stranger.token),
            &json!({"listing": "acme-sync"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.post(&path, None, &json!({"listing": "acme-sync"}))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let analyst = app
        .account_with_role("analyst@mercato.example", "analyst")
        .await;
    expect_problem(
        app.post(
            &path,
            Some(&analyst.token),
            &json!({"listing": "acme-sync"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let p = expect_problem(
        app.post(&path, Some(&customer.token), &json!({"listing": "nope"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "unknown_listing");
    app.create_listing(&partner, "acme", "acme-draft", "crm")
        .await;
    let p = expect_problem(
        app.post(
            &path,
            Some(&customer.token),
            &json!({"listing": "acme-draft"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        p["errors"][0]["code"], "unknown_listing",
        "drafts cannot be installed"
    );
    let p = expect_problem(
        app.post(
            &path,
            Some(&customer.token),
            &json!({"listing": "acme-sync", "source": "billboard"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), vec!["source"]);
    let p = expect_problem(
        app.post(
            &path,
            Some(&customer.token),
            &json!({"listing": "acme-sync", "utm_source": "x".repeat(101)}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), vec!["utm_source"]);
    expect_problem(
        app.delete(&format!("{path}/acme-sync"), Some(&customer.token))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_and_clicks_are_counted_for_people_not_bots() {
    let (app, partner, _, _) = marketplace().await;
    let browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131 Safari/537.36";
    let send = |kind: &'static str, ua: &'static str, body: Value| {
        let app = &app;
        async move {
            app.client
                .post(app.url(&format!("/api/v1/events/{kind}")))
                .header("user-agent", ua)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..3 {
        let res = send(
            "view",
            browser,
            json!({"listing": "acme-sync", "source": "search"}),
        )
        .await;
        assert_eq!(
            expect_json(res, StatusCode::ACCEPTED).await["counted"],
            true
        );
    }
    send(
        "click",
        browser,
        json!({"listing": "acme-sync", "source": "search"}),
    )
    .await;
    let res = send(
        "view",
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        json!({"listing": "acme-sync"}),
    )
    .await;
    assert_eq!(
        expect_json(res, StatusCode::ACCEPTED).await["counted"],
        false
    );
    let res = send("view", browser, json!({"listing": "nope"})).await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let res = send(
        "view",
        browser,
        json!({"listing": "acme-sync", "source": "tv"}),
    )
    .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    let a = expect_json(
        app.get("/api/v1/analytics/listings/acme-sync", Some(&partner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(a["funnel"]["views"], 3);
    assert_eq!(a["funnel"]["clicks"], 1);
    assert_eq!(a["funnel"]["click_rate"], 0.3333);
    assert!(a["sources"]
        .as_array()
        .unwrap()
        .contains(&json!({"source": "search", "views": 3, "clicks": 1, "installs": 0})));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_by_installers_with_one_partner_reply_and_admin_moderation() {
    let (app, partner, customer, ws) = marketplace().await;
    let review = json!({"workspace": ws, "rating": 4, "body": "Saves us an hour a day."});
    // Not installed yet: no review.
    expect_problem(
        app.post(
            "/api/v1/listings/acme-sync/reviews",
            Some(&customer.token),
            &review,
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    app.post(
        &format!("/api/v1/workspaces/{ws}/installs"),
        Some(&customer.token),
        &json!({"listing": "acme-sync"}),
    )
    .await;
    let r = expect_json(
        app.post(
            "/api/v1/listings/acme-sync/reviews",
            Some(&customer.token),
            &review,
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (r["rating"].as_i64(), r["workspace_name"].as_str()),
        (Some(4), Some("Casey Co"))
    );
    expect_problem(
        app.post(
            "/api/v1/listings/acme-sync/reviews",
            Some(&customer.token),
            &review,
        )
        .await,
        StatusCode::CONFLICT,
        "already_reviewed",
    )
    .await;
    let p = expect_problem(
        app.post(
            "/api/v1/listings/acme-sync/reviews",
            Some(&customer.token),
            &json!({"workspace": ws, "rating": 6, "body": "x"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), vec!["rating"]);
    let stranger = app.register("stranger@example.com").await;
    expect_problem(
        app.post(
            "/api/v1/listings/acme-sync/reviews",
            Some(&stranger.token),
            &review,
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let id = r["id"].as_i64().unwrap();
    let listing = expect_json(
        app.get("/api/v1/listings/acme-sync", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (listing["rating"].as_f64(), listing["review_count"].as_i64()),
        (Some(4.0), Some(1))
    );
    let edited = expect_json(
        app.patch(
            &format!("/api/v1/reviews/{id}"),
            Some(&customer.token),
            &json!({"rating": 5}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(edited["rating"], 5);
    expect_problem(
        app.patch(
            &format!("/api/v1/reviews/{id}"),
            Some(&stranger.token),
            &json!({"rating": 1}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let rival = app.active_partner("rival").await;
    expect_problem(
        app.post(
            &format!("/api/v1/reviews/{id}/reply"),
            Some(&rival.token),
            &json!({"body": "Try ours"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let replied = expect_json(
        app.post(
            &format!("/api/v1/reviews/{id}/reply"),
            Some(&partner.token),
            &json!({"body": "Thank you!"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(replied["reply"], "Thank you!");
    expect_problem(
        app.post(
            &format!("/api/v1/reviews/{id}/reply"),
            Some(&partner.token),
            &json!({"body": "Again"}),
        )
        .await,
        StatusCode::CONFLICT,
        "already_replied",
    )
    .await;

    let page = expect_json(
        app.get("/api/v1/listings/acme-sync/reviews", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["items"][0]["reply"], "Thank you!");
    expect_problem(
        app.action(&format!("/api/v1/reviews/{id}/hide"), Some(&partner.token))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let admin = app.admin().await;
    let hidden = expect_json(
        app.post(
            &format!("/api/v1/reviews/{id}/hide"),
            Some(&admin.token),
            &json!({"reason": "spam"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(hidden["hidden"], true);
    let page = expect_json(
        app.get("/api/v1/listings/acme-sync/reviews", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["items"], json!([]));
    let listing = expect_json(
        app.get("/api/v1/listings/acme-sync", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (listing["rating"].as_f64(), listing["review_count"].as_i64()),
        (Some(0.0), Some(0))
    );
    let as_admin = expect_json(
        app.get("/api/v1/listings/acme-sync/reviews", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(as_admin["items"].as_array().unwrap().len(), 1);
    expect_json(
        app.action(&format!("/api/v1/reviews/{id}/unhide"), Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    let listing = expect_json(
        app.get("/api/v1/listings/acme-sync", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listing["rating"], 5.0);
}
