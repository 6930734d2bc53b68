use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_signs_the_account_in() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": " Ada@Example.COM ", "password": PASSWORD, "display_name": "Ada"}),
        )
        .await;
    assert_eq!(res.headers()["location"], "/api/v1/me");
    let body = expect_json(res, StatusCode::CREATED).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert_eq!(body["user"]["role"], "customer");
    let token = body["access_token"].as_str().unwrap();
    let me = expect_json(app.get("/api/v1/me", Some(token)).await, StatusCode::OK).await;
    assert_eq!(me["email"], "ada@example.com");
    assert_eq!(me["partners"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_rejects_bad_input_and_taken_emails() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "nope", "password": "short", "display_name": " "}),
        )
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&p), vec!["email", "password", "display_name"]);

    app.register("ada@example.com").await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "ADA@example.com", "password": PASSWORD, "display_name": "Ada"}),
        )
        .await;
    let p = expect_problem(res, StatusCode::CONFLICT, "email_taken").await;
    assert_eq!(fields(&p), vec!["email"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_checks_the_password() {
    let app = TestApp::spawn().await;
    app.register("ada@example.com").await;
    let body = expect_json(app.login("ada@example.com", PASSWORD).await, StatusCode::OK).await;
    assert!(body["refresh_token"].as_str().unwrap().len() >= 43);
    expect_problem(
        app.login("ada@example.com", "wrong password!").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    expect_problem(
        app.login("nobody@example.com", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    expect_problem(
        app.login("not an email", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = TestApp::spawn().await;
    let s = app.register("ada@example.com").await;
    let first = expect_json(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": s.refresh_token}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let second_token = first["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second_token, s.refresh_token);
    let access = first["access_token"].as_str().unwrap();
    expect_json(app.get("/api/v1/me", Some(access)).await, StatusCode::OK).await;

    // The first token again: reuse. The whole family goes, including the newer token.
    let res = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": s.refresh_token}),
        )
        .await;
    expect_problem(res, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
    let res = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": second_token}),
        )
        .await;
    expect_problem(res, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;

    // Other sessions of the same account are untouched.
    let other =
        session_of(expect_json(app.login("ada@example.com", PASSWORD).await, StatusCode::OK).await);
    expect_json(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": other.refresh_token}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_expired_refresh_tokens_are_refused() {
    let app = TestApp::spawn_with(|s| {
        s.access_token_ttl = std::time::Duration::from_secs(1);
        s.refresh_token_ttl = std::time::Duration::from_secs(2);
    })
    .await;
    let res = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": "made-up"}),
        )
        .await;
    expect_problem(res, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    let s = app.register("ada@example.com").await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let res = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": s.refresh_token}),
        )
        .await;
    expect_problem(res, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session() {
    let app = TestApp::spawn().await;
    let s = app.register("ada@example.com").await;
    let res = app
        .post(
            "/api/v1/auth/logout",
            None,
            &json!({"refresh_token": s.refresh_token}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": s.refresh_token}),
        )
        .await;
    expect_problem(res, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    // Logging out twice is fine.
    let res = app
        .post(
            "/api/v1/auth/logout",
            None,
            &json!({"refresh_token": s.refresh_token}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app.post("/api/v1/auth/logout", None, &json!({})).await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

fn forge(secret: &str, sub: &str, exp_offset: i64, aud: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": sub, "iat": now, "exp": now + exp_offset, "iss": "mercato", "aud": aud}),
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_tampered_and_foreign_tokens_are_401() {
    let app = TestApp::spawn().await;
    let s = app.register("ada@example.com").await;
    let uid = s.user_id.to_string();

    let valid = forge(JWT_SECRET, &uid, 60, "mercato-api");
    expect_json(app.get("/api/v1/me", Some(&valid)).await, StatusCode::OK).await;

    let expired = forge(JWT_SECRET, &uid, -120, "mercato-api");
    expect_problem(
        app.get("/api/v1/me", Some(&expired)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;

    let other_key = forge(
        "another-secret-another-secret-another-secret",
        &uid,
        60,
        "mercato-api",
    );
    expect_problem(
        app.get("/api/v1/me", Some(&other_key)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;

    let other_audience = forge(JWT_SECRET, &uid, 60, "someone-else");
    expect_problem(
        app.get("/api/v1/me", Some(&other_audience)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;

    // Flip the payload: the signature no longer matches.
    let mut parts: Vec<String> = s.token.split('.').map(String::from).collect();
    parts[1] = forge(JWT_SECRET, "999", 60, "mercato-api")
        .split('.')
        .nth(1)
        .unwrap()
        .to_string();
    let tampered = parts.join(".");
    expect_problem(
        app.get("/api/v1/me", Some(&tampered)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;

    let unknown_user = forge(JWT_SECRET, "424242", 60, "mercato-api");
    expect_problem(
        app.get("/api/v1/me", Some(&unknown_user)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;

    let res = app
        .client
        .get(app.url("/api/v1/me"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    expect_problem(res, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let res = app.get("/api/v1/me", None).await;
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    expect_problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    // A bad token is refused on public routes too, so clients notice.
    expect_problem(
        app.get("/api/v1/partners", Some(&expired)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn me_lists_partner_memberships() {
    let app = TestApp::spawn().await;
    let owner = app.register("owner@acme.example").await;
    app.apply_partner(&owner, "acme").await;
    let me = expect_json(
        app.get("/api/v1/me", Some(&owner.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        me["partners"],
        json!([{"partner_slug": "acme", "partner_name": "acme Inc", "role": "admin"}])
    );
}
