use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_and_readyz_answer() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz", None).await;
    assert_eq!(expect_json(res, StatusCode::OK).await["status"], "ok");
    let res = app.get("/readyz", None).await;
    assert_eq!(expect_json(res, StatusCode::OK).await["database"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_is_3_1_and_lists_every_route() {
    let app = TestApp::spawn().await;
    let doc = expect_json(app.get("/api/v1/openapi.json", None).await, StatusCode::OK).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/partners",
        "/api/v1/partners/{slug}",
        "/api/v1/partners/{slug}/members/{user_id}",
        "/api/v1/listings",
        "/api/v1/listings/{slug}",
        "/api/v1/listings/{slug}/submit",
        "/api/v1/listings/{slug}/approve",
        "/api/v1/listings/{slug}/request-changes",
        "/api/v1/listings/{slug}/delist",
        "/api/v1/categories",
        "/api/v1/admin/review-queue",
        "/api/v1/admin/audit",
        "/readyz",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    for schema in ["AuditEntry", "AuditAction", "AuditSubjectKind"] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} missing from the OpenAPI document"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

/// What schemathesis (`cargo xtask fuzz`) relies on: every reference resolves, parameters are
/// where the route takes them, and errors are documented as the problems they are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_is_consistent_with_the_routes() {
    let app = TestApp::spawn().await;
    let doc = expect_json(app.get("/api/v1/openapi.json", None).await, StatusCode::OK).await;
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"").skip(1) {
        let reference = &reference[..reference.find('"').unwrap()];
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {reference}"));
        assert!(schemas.contains_key(name), "{reference} does not resolve");
    }
    let mut query_params = 0;
    let mut operation_ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(operation_ids.insert(id), "operationId {id} is not unique");
            for param in op["parameters"].as_array().into_iter().flatten() {
                let name = param["name"].as_str().unwrap();
                match param["in"].as_str().unwrap() {
                    "path" => assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path}: `{name}` is documented as a path parameter"
                    ),
                    "query" => query_params += 1,
                    "header" => {}
                    other => panic!("{method} {path}: `{name}` in {other}"),
                }
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    let content = response["content"].as_object().unwrap();
                    assert_eq!(
                        content.keys().collect::<Vec<_>>(),
                        ["application/problem+json"],
                        "{method} {path} {status}"
                    );
                }
            }
            if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                assert!(
                    op["responses"]["401"].is_object(),
                    "{method} {path}: 401 undocumented"
                );
            }
        }
    }
    assert!(query_params > 30, "{query_params} query parameters");
    let list = &doc["paths"]["/api/v1/listings"]["get"];
    let limit = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["in"], "query");
    assert_ne!(limit["required"], true);
    // The routes with a per-address rate limit say so.
    for path in [
        "/api/v1/leads",
        "/api/v1/integration-requests",
        "/api/v1/integration-requests/{id}/votes",
    ] {
        assert!(
            doc["paths"][path]["post"]["responses"]["429"].is_object(),
            "POST {path}: 429 undocumented"
        );
    }
    let adoption = &doc["paths"]["/api/v1/analytics/adoption"]["get"]["responses"]["200"];
    assert!(adoption["content"]["text/csv"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_page_documents_routes_and_error_codes() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/docs", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(html.contains("/api/v1/listings/{slug}"));
    assert!(html.contains("id=\"error-validation_failed\""));
    assert!(html.contains("id=\"schema-Listing\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_api_routes_are_problem_404s() {
    let app = TestApp::spawn().await;
    let body = expect_problem(
        app.get("/api/v1/nope", None).await,
        StatusCode::NOT_FOUND,
        "route_not_found",
    )
    .await;
    assert!(body["request_id"].is_string());
    expect_problem(
        app.get("/api/v2/listings", None).await,
        StatusCode::NOT_FOUND,
        "route_not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_methods_are_problem_405s() {
    let app = TestApp::spawn().await;
    expect_problem(
        app.delete("/api/v1/listings", None).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
    expect_problem(
        app.put("/api/v1/auth/login", None, &Value::Null).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pages_are_html_404s_and_responses_carry_security_headers() {
    let app = TestApp::spawn().await;
    let res = app.get("/no/such/page", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert!(res.text().await.unwrap().contains("Page not found"));
    let res = app.get("/../../etc/passwd", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Not served over TLS: no HSTS (it would pin browsers to https on a plain-http host).
    let res = app.get("/healthz", None).await;
    assert!(res.headers().get("strict-transport-security").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_tls_every_response_asks_for_https_only() {
    let app = TestApp::spawn_with(|s| s.public_url = Some("https://market.example".into())).await;
    for path in ["/healthz", "/", "/api/v1/categories", "/no/such/page"] {
        let res = app.get(path, None).await;
        assert_eq!(
            res.headers()["strict-transport-security"],
            "max-age=31536000; includeSubDomains",
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_app_bundle_is_served() {
    let app = TestApp::spawn().await;
    std::fs::create_dir_all(app.settings.web_dir.join("pkg")).unwrap();
    std::fs::write(
        app.settings.web_dir.join("index.html"),
        "<!doctype html><title>Mercato</title>",
    )
    .unwrap();
    std::fs::write(app.settings.web_dir.join("pkg/app.wasm"), b"\0asm").unwrap();
    let res = app.get("/index.html", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let res = app.get("/pkg/app.wasm", None).await;
    assert_eq!(res.headers()["content-type"], "application/wasm");
    let res = app
        .client
        .get(app.url("/index.html"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_are_echoed() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "bad id!")
        .send()
        .await
        .unwrap();
    assert_ne!(res.headers()["x-request-id"], "bad id!");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_configured_origins_may_call_the_api_from_other_sites() {
    let partner_site = "https://app.partner.example";
    let app = TestApp::spawn_with(|s| {
        s.cors_origins = mercato::config::Origins(vec![partner_site.into()])
    })
    .await;
    let client = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/categories"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };

    let res = preflight(partner_site).await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["access-control-allow-origin"], partner_site);
    let methods = res.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap();
    assert!(methods.contains("PATCH") && methods.contains("DELETE"));
    let headers = res.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap();
    assert!(headers.contains("authorization") && headers.contains("content-type"));

    // Any other site's preflight is refused, with no CORS headers.
    let res = preflight("https://evil.example").await.unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;

    // Simple requests: the allowed origin may read the answer, another may not.
    let res = client
        .get(app.url("/api/v1/categories"))
        .header("origin", partner_site)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["access-control-allow-origin"], partner_site);
    assert!(res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .contains("retry-after"));
    let res = client
        .get(app.url("/api/v1/categories"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());

    // Without configured origins the API is same-origin only.
    let closed = TestApp::spawn().await;
    let res = client
        .request(reqwest::Method::OPTIONS, closed.url("/api/v1/categories"))
        .header("origin", partner_site)
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.headers().get("access-control-allow-origin").is_none());
}
