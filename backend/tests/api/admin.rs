use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_find_accounts_and_set_roles() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ada = app.register("ada@example.com").await;
    app.register("bob@example.com").await;

    let found = expect_json(
        app.get("/api/v1/admin/users?email=ADA", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["email"], "ada@example.com");
    let page = expect_json(
        app.get("/api/v1/admin/users?limit=1", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let next = expect_json(
        app.get(
            &format!("/api/v1/admin/users?limit=1&cursor={cursor}"),
            Some(&admin.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_ne!(next["items"][0]["id"], page["items"][0]["id"]);

    let path = format!("/api/v1/admin/users/{}/role", ada.user_id);
    let u = expect_json(
        app.put(&path, Some(&admin.token), &json!({"role": "analyst"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(u["role"], "analyst");
    // Takes effect at once, without a new token.
    let me = expect_json(
        app.get("/api/v1/me", Some(&ada.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["role"], "analyst");

    let res = app
        .put(&path, Some(&admin.token), &json!({"role": "superuser"}))
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let res = app
        .put(
            "/api/v1/admin/users/99999/role",
            Some(&admin.token),
            &json!({"role": "admin"}),
        )
        .await;
    expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let res = app
        .put(
            &format!("/api/v1/admin/users/{}/role", admin.user_id),
            Some(&admin.token),
            &json!({"role": "customer"}),
        )
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_administer_accounts() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada@example.com").await;
    let analyst = app
        .account_with_role("analyst@example.com", "analyst")
        .await;
    for token in [&ada.token, &analyst.token] {
        expect_problem(
            app.get("/api/v1/admin/users", Some(token)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        let res = app
            .put(
                &format!("/api/v1/admin/users/{}/role", ada.user_id),
                Some(token),
                &json!({"role": "admin"}),
            )
            .await;
        expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        expect_problem(
            app.get("/api/v1/admin/review-queue", Some(token)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    expect_problem(
        app.get("/api/v1/admin/users", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}
