//! Bad input of every kind gets a 4xx problem naming the offending field, never a 500.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

async fn raw_post(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(path))
        .header("content-type", content_type)
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_a_400() {
    let app = TestApp::spawn().await;
    for body in ["{", "{\"email\": }", "not json", "{} trailing", ""] {
        let res = raw_post(
            &app,
            "/api/v1/auth/register",
            None,
            "application/json",
            body.to_string(),
        )
        .await;
        expect_problem(res, StatusCode::BAD_REQUEST, "malformed_json").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_is_not_json_is_a_415() {
    let app = TestApp::spawn().await;
    let res = raw_post(&app, "/api/v1/auth/login", None, "text/plain", "email=a").await;
    expect_problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .body("{}")
        .send()
        .await
        .unwrap();
    expect_problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_types_missing_and_unknown_fields_name_the_field() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": 5, "password": "x", "display_name": "a"}),
        )
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&p), vec!["email"]);
    assert_eq!(p["errors"][0]["code"], "invalid_type");

    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "a@b.co", "password": "long enough pw"}),
        )
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&p), vec!["display_name"]);
    assert_eq!(p["errors"][0]["code"], "required");

    let res = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "a@b.co", "password": "x", "remember": true}),
        )
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&p), vec!["remember"]);
    assert_eq!(p["errors"][0]["code"], "unknown_field");

    let res = app
        .post("/api/v1/auth/login", None, &json!(["a", "b"]))
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&p), vec!["body"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_enum_values_are_rejected_with_the_allowed_ones() {
    let app = TestApp::spawn().await;
    let owner = app.active_partner("acme").await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let mut body = listing_body("acme", "x-sync", "crm");
    body["pricing"]["model"] = json!("gratis");
    let p = expect_problem(
        app.post("/api/v1/listings", Some(&owner.token), &body)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), vec!["pricing.model"]);
    assert!(p["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("freemium"));

    let res = app
        .put(
            "/api/v1/partners/acme/tier",
            Some(&admin.token),
            &json!({"tier": "platinum"}),
        )
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&p), vec!["tier"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_bodies_are_a_413() {
    let app = TestApp::spawn_with(|s| s.max_body_bytes = 4096).await;
    let big =
        json!({"email": "a@b.co", "password": "x".repeat(5000), "display_name": "a"}).to_string();
    let res = raw_post(&app, "/api/v1/auth/register", None, "application/json", big).await;
    expect_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_slugs_urls_and_overlong_text_are_field_errors() {
    let app = TestApp::spawn().await;
    let owner = app.active_partner("acme").await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let mut body = listing_body("acme", "Not A Slug!", "crm");
    body["install_url"] = json!("javascript:alert(1)");
    body["support_url"] = json!("ftp://files.example");
    body["tagline"] = json!("t".repeat(161));
    body["name"] = json!("");
    body["description"] = json!("d".repeat(20_001));
    body["screenshots"] = json!([{"url": "https://ok.example/a.png", "alt": ""}]);
    body["categories"] = json!(["crm", "no-such-category"]);
    let res = app
        .post("/api/v1/listings", Some(&owner.token), &body)
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let f = fields(&p);
    for expected in [
        "slug",
        "install_url",
        "support_url",
        "tagline",
        "name",
        "description",
        "screenshots[0].alt",
    ] {
        assert!(f.contains(&expected.to_string()), "{expected} not in {f:?}");
    }
    // Shape errors come first; unknown categories are checked once the shape is valid.
    let res = app
        .post(
            "/api/v1/listings",
            Some(&owner.token),
            &json!({
                "partner": "acme", "slug": "ok", "name": "Ok", "tagline": "Ok",
                "categories": ["crm", "no-such-category"],
            }),
        )
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&p), vec!["categories[1]"]);
    assert_eq!(p["errors"][0]["code"], "unknown_category");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_slugs_in_paths_are_404s() {
    let app = TestApp::spawn().await;
    expect_problem(
        app.get("/api/v1/listings/Not%20A%20Slug", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.get("/api/v1/partners/UPPER", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.get("/api/v1/categories/a--b", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_query_parameters_are_400s_naming_the_parameter() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("limit=abc", "limit"),
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("pricing=cheap", "pricing"),
        ("cursor=garbage!", "cursor"),
        ("unknown=1", "unknown"),
    ] {
        let res = app.get(&format!("/api/v1/listings?{query}"), None).await;
        let p = expect_problem(res, StatusCode::BAD_REQUEST, "invalid_query").await;
        assert_eq!(fields(&p), vec![field], "{query}");
    }
}
