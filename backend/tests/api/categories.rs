use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_categories_and_everyone_reads_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let res = app
        .post(
            "/api/v1/categories",
            Some(&admin.token),
            &json!({"slug": "crm", "name": "CRM", "description": "Customer data"}),
        )
        .await;
    assert_eq!(res.headers()["location"], "/api/v1/categories/crm");
    app.create_category(&admin, "finance").await;

    let list = expect_json(app.get("/api/v1/categories", None).await, StatusCode::OK).await;
    let slugs: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].clone())
        .collect();
    assert_eq!(
        slugs,
        vec![json!("crm"), json!("finance")],
        "in creation order"
    );
    assert_eq!(list["items"][0]["listing_count"], 0);

    let c = expect_json(
        app.patch(
            "/api/v1/categories/crm",
            Some(&admin.token),
            &json!({"name": "CRM & Sales"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(c["name"], "CRM & Sales");
    assert_eq!(
        expect_json(
            app.get("/api/v1/categories/crm", None).await,
            StatusCode::OK
        )
        .await["name"],
        "CRM & Sales"
    );

    assert_eq!(
        app.delete("/api/v1/categories/finance", Some(&admin.token))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    expect_problem(
        app.get("/api/v1/categories/finance", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn category_input_is_validated() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let res = app
        .post(
            "/api/v1/categories",
            Some(&admin.token),
            &json!({"slug": "Bad Slug", "name": ""}),
        )
        .await;
    let p = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(fields(&p), vec!["slug", "name"]);
    app.create_category(&admin, "crm").await;
    let res = app
        .post(
            "/api/v1/categories",
            Some(&admin.token),
            &json!({"slug": "crm", "name": "Again"}),
        )
        .await;
    expect_problem(res, StatusCode::CONFLICT, "slug_taken").await;
    let res = app
        .patch(
            "/api/v1/categories/crm",
            Some(&admin.token),
            &json!({"name": "x".repeat(61)}),
        )
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    expect_problem(
        app.patch(
            "/api/v1/categories/none",
            Some(&admin.token),
            &json!({"name": "X"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_manage_categories() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let partner = app.active_partner("acme").await;
    let analyst = app
        .account_with_role("analyst@example.com", "analyst")
        .await;
    for s in [&partner, &analyst] {
        let res = app
            .post(
                "/api/v1/categories",
                Some(&s.token),
                &json!({"slug": "new", "name": "New"}),
            )
            .await;
        expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        let res = app
            .patch(
                "/api/v1/categories/crm",
                Some(&s.token),
                &json!({"name": "New"}),
            )
            .await;
        expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        expect_problem(
            app.delete("/api/v1/categories/crm", Some(&s.token)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    let res = app
        .post(
            "/api/v1/categories",
            None,
            &json!({"slug": "new", "name": "New"}),
        )
        .await;
    expect_problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_reads_are_cacheable() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let res = app.get("/api/v1/categories", None).await;
    assert!(res.headers()["cache-control"]
        .to_str()
        .unwrap()
        .starts_with("public"));
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let res = app
        .client
        .get(app.url("/api/v1/categories"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    app.create_category(&admin, "finance").await;
    let res = app
        .client
        .get(app.url("/api/v1/categories"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "a change makes a new ETag");
    let res = app.get("/api/v1/categories", Some(&admin.token)).await;
    assert!(res.headers()["cache-control"]
        .to_str()
        .unwrap()
        .starts_with("private"));
}
