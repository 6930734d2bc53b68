use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

async fn marketplace() -> (TestApp, Session, Session) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let owner = app.active_partner("acme").await;
    (app, owner, admin)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_goes_through_review_to_publication() {
    let (app, owner, admin) = marketplace().await;
    app.create_listing(&owner, "acme", "sync", "crm").await;

    let l = expect_json(
        app.action("/api/v1/listings/sync/submit", Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(l["status"], "in_review");
    let queue = expect_json(
        app.get("/api/v1/admin/review-queue", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(queue[0]["listing_slug"], "sync");
    assert_eq!(queue[0]["kind"], "new_listing");

    // Frozen while in review.
    let res = app
        .patch(
            "/api/v1/listings/sync",
            Some(&owner.token),
            &json!({"name": "X"}),
        )
        .await;
    expect_problem(res, StatusCode::CONFLICT, "invalid_state_transition").await;
    expect_problem(
        app.action("/api/v1/listings/sync/submit", Some(&owner.token))
            .await,
        StatusCode::CONFLICT,
        "invalid_state_transition",
    )
    .await;

    let res = app
        .post(
            "/api/v1/listings/sync/request-changes",
            Some(&admin.token),
            &json!({"note": "Add a privacy policy"}),
        )
        .await;
    let l = expect_json(res, StatusCode::OK).await;
    assert_eq!(l["status"], "changes_requested");
    assert_eq!(l["review_note"], "Add a privacy policy");

    app.patch(
        "/api/v1/listings/sync",
        Some(&owner.token),
        &json!({"privacy_policy_url": "https://acme.example/privacy"}),
    )
    .await;
    app.action("/api/v1/listings/sync/submit", Some(&owner.token))
        .await;
    let l = expect_json(
        app.post(
            "/api/v1/listings/sync/approve",
            Some(&admin.token),
            &json!({"note": "Looks good"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(l["status"], "published");
    assert!(l["review_note"].is_null());
    let public = expect_json(app.get("/api/v1/listings/sync", None).await, StatusCode::OK).await;
    assert_eq!(public["privacy_policy_url"], "https://acme.example/privacy");

    let history = expect_json(
        app.get("/api/v1/listings/sync/history", Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    let moves: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to_status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        moves,
        vec![
            "draft",
            "in_review",
            "changes_requested",
            "in_review",
            "published"
        ]
    );
    assert_eq!(history[2]["note"], "Add a privacy policy");
    assert_eq!(history[2]["actor_id"], admin.user_id);
    assert_eq!(history[1]["actor_id"], owner.user_id);
    assert!(history[4]["at"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submitting_needs_a_complete_listing() {
    let (app, owner, _) = marketplace().await;
    app.post(
        "/api/v1/listings",
        Some(&owner.token),
        &json!({"partner": "acme", "slug": "thin", "name": "Thin", "tagline": "Not much"}),
    )
    .await;
    let res = app
        .action("/api/v1/listings/thin/submit", Some(&owner.token))
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&p), vec!["description", "categories", "install_url"]);
    assert_eq!(p["errors"][0]["code"], "required_for_review");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_approve_request_changes_and_delist() {
    let (app, owner, admin) = marketplace().await;
    app.create_listing(&owner, "acme", "sync", "crm").await;
    app.action("/api/v1/listings/sync/submit", Some(&owner.token))
        .await;
    let analyst = app
        .account_with_role("analyst@example.com", "analyst")
        .await;
    for token in [&owner.token, &analyst.token] {
        for action in ["approve", "delist"] {
            let res = app
                .action(&format!("/api/v1/listings/sync/{action}"), Some(token))
                .await;
            expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        }
        let res = app
            .post(
                "/api/v1/listings/sync/request-changes",
                Some(token),
                &json!({"note": "x"}),
            )
            .await;
        expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        let res = app
            .put(
                "/api/v1/listings/sync/badges",
                Some(token),
                &json!({"badges": ["staff-pick"]}),
            )
            .await;
        expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
    expect_problem(
        app.action("/api/v1/listings/sync/approve", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    // Admins cannot submit on a partner's behalf.
    let res = app
        .action("/api/v1/listings/sync/submit", Some(&admin.token))
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    // A request for changes needs a note.
    let res = app
        .action("/api/v1/listings/sync/request-changes", Some(&admin.token))
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&p), vec!["note"]);
    let res = app
        .post(
            "/api/v1/listings/sync/approve",
            Some(&admin.token),
            &json!({"note": 5}),
        )
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_only_apply_to_what_is_in_review() {
    let (app, owner, admin) = marketplace().await;
    app.create_listing(&owner, "acme", "sync", "crm").await;
    expect_problem(
        app.action("/api/v1/listings/sync/approve", Some(&admin.token))
            .await,
        StatusCode::CONFLICT,
        "invalid_state_transition",
    )
    .await;
    expect_problem(
        app.action("/api/v1/listings/sync/delist", Some(&admin.token))
            .await,
        StatusCode::CONFLICT,
        "invalid_state_transition",
    )
    .await;
    expect_problem(
        app.action("/api/v1/listings/nope/approve", Some(&admin.token))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_a_published_listing_makes_a_revision_while_the_live_version_stays() {
    let (app, owner, admin) = marketplace().await;
    app.published_listing(&owner, "acme", "sync", "crm").await;

    let res = app
        .patch(
            "/api/v1/listings/sync",
            Some(&owner.token),
            &json!({"tagline": "Now with Teams alerts"}),
        )
        .await;
    let l = expect_json(res, StatusCode::OK).await;
    assert_eq!(l["status"], "published");
    assert_eq!(
        l["content"]["tagline"], "Post paid invoices to Slack",
        "live content unchanged"
    );
    assert_eq!(l["pending_revision"]["number"], 1);
    assert_eq!(l["pending_revision"]["state"], "draft");
    assert_eq!(
        l["pending_revision"]["content"]["tagline"],
        "Now with Teams alerts"
    );

    // A second edit goes into the same revision.
    let l = expect_json(
        app.patch(
            "/api/v1/listings/sync",
            Some(&owner.token),
            &json!({"name": "Sync Pro"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(l["pending_revision"]["number"], 1);
    assert_eq!(l["pending_revision"]["content"]["name"], "Sync Pro");
    assert_eq!(
        l["pending_revision"]["content"]["tagline"],
        "Now with Teams alerts"
    );

    let public = expect_json(app.get("/api/v1/listings/sync", None).await, StatusCode::OK).await;
    assert_eq!(public["tagline"], "Post paid invoices to Slack");

    let l = expect_json(
        app.action("/api/v1/listings/sync/submit", Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(l["pending_revision"]["state"], "in_review");
    let queue = expect_json(
        app.get("/api/v1/admin/review-queue", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(queue[0]["kind"], "revision");
    assert_eq!(queue[0]["revision_number"], 1);
    assert_eq!(queue[0]["listing_name"], "Sync Pro");
    let res = app
        .patch(
            "/api/v1/listings/sync",
            Some(&owner.token),
            &json!({"name": "Again"}),
        )
        .await;
    expect_problem(res, StatusCode::CONFLICT, "invalid_state_transition").await;

    let res = app
        .post(
            "/api/v1/listings/sync/request-changes",
            Some(&admin.token),
            &json!({"note": "Name too generic"}),
        )
        .await;
    let l = expect_json(res, StatusCode::OK).await;
    assert_eq!(l["pending_revision"]["state"], "changes_requested");
    assert_eq!(l["pending_revision"]["review_note"], "Name too generic");
    assert_eq!(l["status"], "published");

    app.patch(
        "/api/v1/listings/sync",
        Some(&owner.token),
        &json!({"name": "Invoice Sync Pro"}),
    )
    .await;
    app.action("/api/v1/listings/sync/submit", Some(&owner.token))
        .await;
    let l = expect_json(
        app.action("/api/v1/listings/sync/approve", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(l["pending_revision"].is_null());
    assert_eq!(l["content"]["name"], "Invoice Sync Pro");
    let public = expect_json(app.get("/api/v1/listings/sync", None).await, StatusCode::OK).await;
    assert_eq!(public["name"], "Invoice Sync Pro");
    assert_eq!(public["tagline"], "Now with Teams alerts");

    // The next edit starts revision 2 from the new live content.
    let l = expect_json(
        app.patch(
            "/api/v1/listings/sync",
            Some(&owner.token),
            &json!({"description": "New text"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(l["pending_revision"]["number"], 2);
    assert_eq!(l["pending_revision"]["content"]["name"], "Invoice Sync Pro");

    let history = expect_json(
        app.get("/api/v1/listings/sync/history", Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    let revision_moves: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["subject"] == "revision")
        .map(|h| h["to_status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        revision_moves,
        vec![
            "draft",
            "in_review",
            "changes_requested",
            "in_review",
            "approved",
            "draft"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delisting_removes_a_listing_until_it_is_approved_again() {
    let (app, owner, admin) = marketplace().await;
    app.published_listing(&owner, "acme", "sync", "crm").await;
    let res = app
        .post(
            "/api/v1/listings/sync/delist",
            Some(&admin.token),
            &json!({"note": "Broken install link"}),
        )
        .await;
    assert_eq!(expect_json(res, StatusCode::OK).await["status"], "delisted");
    expect_problem(
        app.get("/api/v1/listings/sync", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let list = expect_json(app.get("/api/v1/listings", None).await, StatusCode::OK).await;
    assert_eq!(list["items"], json!([]));

    // The partner fixes it in place and resubmits.
    let l = expect_json(
        app.patch(
            "/api/v1/listings/sync",
            Some(&owner.token),
            &json!({"install_url": "https://acme.example/install-v2"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        l["content"]["install_url"],
        "https://acme.example/install-v2"
    );
    app.action("/api/v1/listings/sync/submit", Some(&owner.token))
        .await;
    let queue = expect_json(
        app.get("/api/v1/admin/review-queue", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(queue[0]["kind"], "resubmission");
    app.action("/api/v1/listings/sync/approve", Some(&admin.token))
        .await;
    let public = expect_json(app.get("/api/v1/listings/sync", None).await, StatusCode::OK).await;
    assert_eq!(public["install_url"], "https://acme.example/install-v2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_set_badges() {
    let (app, owner, admin) = marketplace().await;
    app.published_listing(&owner, "acme", "sync", "crm").await;
    let res = app
        .put(
            "/api/v1/listings/sync/badges",
            Some(&admin.token),
            &json!({"badges": ["staff-pick", "staff-pick", "built-for-mercato"]}),
        )
        .await;
    assert_eq!(
        expect_json(res, StatusCode::OK).await["badges"],
        json!(["staff-pick", "built-for-mercato"])
    );
    let public = expect_json(app.get("/api/v1/listings/sync", None).await, StatusCode::OK).await;
    assert_eq!(public["badges"], json!(["staff-pick", "built-for-mercato"]));
    let res = app
        .put(
            "/api/v1/listings/sync/badges",
            Some(&admin.token),
            &json!({"badges": ["Staff Pick"]}),
        )
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&p), vec!["badges[0]"]);
}
