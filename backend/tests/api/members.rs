use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partner_admins_add_list_change_and_remove_members() {
    let app = TestApp::spawn().await;
    let owner = app.active_partner("acme").await;
    let dev = app.register("dev@acme.example").await;

    let res = app
        .post(
            "/api/v1/partners/acme/members",
            Some(&owner.token),
            &json!({"email": "DEV@acme.example", "role": "member"}),
        )
        .await;
    assert_eq!(
        res.headers()["location"],
        format!("/api/v1/partners/acme/members/{}", dev.user_id)
    );
    let m = expect_json(res, StatusCode::CREATED).await;
    assert_eq!(m["role"], "member");

    let list = expect_json(
        app.get("/api/v1/partners/acme/members", Some(&dev.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 2);

    let me = expect_json(
        app.get("/api/v1/me", Some(&dev.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["partners"][0]["role"], "member");

    let path = format!("/api/v1/partners/acme/members/{}", dev.user_id);
    let m = expect_json(
        app.patch(&path, Some(&owner.token), &json!({"role": "admin"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(m["role"], "admin");
    assert_eq!(
        app.delete(&path, Some(&owner.token)).await.status(),
        StatusCode::NO_CONTENT
    );
    let list = expect_json(
        app.get("/api/v1/partners/acme/members", Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    expect_problem(
        app.delete(&path, Some(&owner.token)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_members_checks_the_account() {
    let app = TestApp::spawn().await;
    let owner = app.active_partner("acme").await;
    let res = app
        .post(
            "/api/v1/partners/acme/members",
            Some(&owner.token),
            &json!({"email": "ghost@acme.example", "role": "member"}),
        )
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(p["errors"][0]["code"], "unknown_account");
    let res = app
        .post(
            "/api/v1/partners/acme/members",
            Some(&owner.token),
            &json!({"email": "bad", "role": "member"}),
        )
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let res = app
        .post(
            "/api/v1/partners/acme/members",
            Some(&owner.token),
            &json!({"email": owner.email, "role": "member"}),
        )
        .await;
    expect_problem(res, StatusCode::CONFLICT, "already_member").await;
    let res = app
        .post(
            "/api/v1/partners/acme/members",
            Some(&owner.token),
            &json!({"email": owner.email, "role": "owner"}),
        )
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&p), vec!["role"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_keeps_at_least_one_admin() {
    let app = TestApp::spawn().await;
    let owner = app.active_partner("acme").await;
    let path = format!("/api/v1/partners/acme/members/{}", owner.user_id);
    expect_problem(
        app.patch(&path, Some(&owner.token), &json!({"role": "member"}))
            .await,
        StatusCode::CONFLICT,
        "last_partner_admin",
    )
    .await;
    expect_problem(
        app.delete(&path, Some(&owner.token)).await,
        StatusCode::CONFLICT,
        "last_partner_admin",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_cannot_manage_members_but_may_leave() {
    let app = TestApp::spawn().await;
    let owner = app.active_partner("acme").await;
    let dev = app.register("dev@acme.example").await;
    let other = app.register("other@acme.example").await;
    app.post(
        "/api/v1/partners/acme/members",
        Some(&owner.token),
        &json!({"email": dev.email, "role": "member"}),
    )
    .await;

    let res = app
        .post(
            "/api/v1/partners/acme/members",
            Some(&dev.token),
            &json!({"email": other.email, "role": "admin"}),
        )
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .patch(
            &format!("/api/v1/partners/acme/members/{}", dev.user_id),
            Some(&dev.token),
            &json!({"role": "admin"}),
        )
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .delete(
            &format!("/api/v1/partners/acme/members/{}", owner.user_id),
            Some(&dev.token),
        )
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;

    // Outsiders see nothing; a member may leave on their own.
    expect_problem(
        app.get("/api/v1/partners/acme/members", Some(&other.token))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.get("/api/v1/partners/acme/members", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let res = app
        .delete(
            &format!("/api/v1/partners/acme/members/{}", dev.user_id),
            Some(&dev.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    expect_problem(
        app.delete(
            "/api/v1/partners/acme/members/not-a-number",
            Some(&owner.token),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}
