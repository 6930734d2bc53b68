//! The OpenAPI 3.1 document, generated from the handlers' annotations, and a human-readable
//! reference page rendered from it (self-contained: no scripts or assets from elsewhere).

use std::sync::OnceLock;

use actix_web::HttpResponse;
use mercato_shared::ErrorCode;
use serde_json::Value;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::PROBLEM_JSON;
use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mercato API",
        description = "The integration marketplace API: partners, listings and their review, accounts and roles. \
Errors are `application/problem+json` with a stable `code`; lists are paginated with an opaque `cursor`.",
        license(name = "Apache-2.0")
    ),
    paths(
        routes::health::healthz,
        routes::health::readyz,
        routes::auth::register,
        routes::auth::login,
        routes::auth::refresh,
        routes::auth::logout,
        routes::auth::me,
        routes::sso::providers,
        routes::sso::start,
        routes::sso::callback,
        routes::sso::exchange,
        routes::sso::identities,
        routes::sso::unlink,
        routes::sso::partner_get,
        routes::sso::partner_put,
        routes::sso::partner_delete,
        routes::partners::apply,
        routes::partners::list,
        routes::partners::get,
        routes::partners::update,
        routes::partners::approve,
        routes::partners::suspend,
        routes::partners::set_tier,
        routes::partners::set_certifications,
        routes::partners::history,
        routes::domain_verification::status,
        routes::domain_verification::start,
        routes::domain_verification::check,
        routes::partners::listings,
        routes::members::list,
        routes::members::add,
        routes::members::update,
        routes::members::remove,
        routes::listings::create,
        routes::listings::list,
        routes::listings::get,
        routes::listings::manage,
        routes::listings::update,
        routes::listings::history,
        routes::listings::preview_markdown,
        routes::moderation::submit,
        routes::moderation::approve,
        routes::moderation::request_changes,
        routes::moderation::delist,
        routes::moderation::set_badges,
        routes::moderation::queue,
        routes::search::search,
        routes::search::suggest,
        routes::search::status,
        routes::workspaces::create,
        routes::workspaces::mine,
        routes::workspaces::get,
        routes::workspaces::update,
        routes::workspaces::set_status,
        routes::workspaces::members,
        routes::workspaces::add_member,
        routes::workspaces::remove_member,
        routes::installs::install,
        routes::installs::list,
        routes::installs::uninstall,
        routes::installs::jwks,
        routes::events::view,
        routes::events::click,
        routes::usage::ingest,
        routes::leads::create,
        routes::deals::register,
        routes::deals::list,
        routes::deals::close,
        routes::deals::conflicts,
        routes::deals::ranking,
        routes::deals::own,
        routes::integration_requests::create,
        routes::integration_requests::vote,
        routes::integration_requests::list,
        routes::integration_requests::ship,
        routes::leads::accept,
        routes::leads::decline,
        routes::leads::move_status,
        routes::leads::for_partner,
        routes::leads::detail,
        routes::leads::get_rules,
        routes::leads::put_rules,
        routes::usage::status,
        routes::api_keys::create,
        routes::api_keys::list,
        routes::api_keys::revoke,
        routes::webhooks::create,
        routes::webhooks::list,
        routes::webhooks::get,
        routes::webhooks::update,
        routes::webhooks::delete,
        routes::webhooks::rotate_secret,
        routes::webhooks::deliveries_of,
        routes::webhooks::delivery,
        routes::webhooks::redeliver,
        routes::webhooks::notices,
        routes::analytics::listing,
        routes::analytics::adoption,
        routes::analytics::churn,
        routes::reviews::create,
        routes::reviews::list,
        routes::reviews::update,
        routes::reviews::reply,
        routes::reviews::hide,
        routes::reviews::unhide,
        routes::categories::list,
        routes::categories::get,
        routes::categories::create,
        routes::categories::update,
        routes::categories::delete,
        routes::admin::list_users,
        routes::admin::set_role,
        routes::audit::list,
    ),
    components(schemas(mercato_shared::Problem, mercato_shared::FieldError, mercato_shared::ErrorCode)),
    modifiers(&BearerAuth, &ErrorResponses, &OperationIds),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "partners", description = "Partner profiles and their administration"),
        (name = "members", description = "People of a partner"),
        (name = "listings", description = "Integration listings"),
        (name = "review", description = "Listing review by marketplace admins"),
        (name = "search", description = "Search and suggestions"),
        (name = "workspaces", description = "Customer workspaces and their members"),
        (name = "installs", description = "Installs, install tokens and funnel events"),
        (name = "usage", description = "Usage reported by partners' integrations"),
        (name = "leads", description = "Demand captured on the marketplace and routed to partners"),
        (name = "deals", description = "Deal registrations and partner scorecards"),
        (name = "integration requests", description = "Integrations people want that do not exist yet, with votes"),
        (name = "api keys", description = "Partner API keys"),
        (name = "webhooks", description = "Signed webhooks to partners, their delivery log and notices"),
        (name = "analytics", description = "Adoption analytics"),
        (name = "reviews", description = "Reviews of listings"),
        (name = "categories", description = "Categories of listings"),
        (name = "admin", description = "Account administration and the audit log"),
        (name = "health", description = "Probes"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from /api/v1/auth/login, register or refresh",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A partner API key (`mk_…`) from /api/v1/partners/{slug}/api-keys",
                    ))
                    .build(),
            ),
        );
    }
}

/// The error responses every operation can give by construction, documented in one place as
/// errors are made in one place (`ApiError`): bodies are `application/problem+json`; an
/// operation that needs a caller can answer 401 and 403, one with a body 400 (malformed JSON),
/// 413, 415 and 422, one with query parameters 400 (invalid query), one with path parameters 404;
/// every one 429 (rate limits, with `Retry-After`) and 431 (headers too large).
/// Statuses an operation documents itself keep their description.
struct ErrorResponses;

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for_each_operation(openapi, document_errors);
    }
}

/// Calls `f` on every operation of the document.
fn for_each_operation(openapi: &mut utoipa::openapi::OpenApi, mut f: impl FnMut(&mut Operation)) {
    for item in openapi.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            f(operation);
        }
    }
}

fn document_errors(operation: &mut Operation) {
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = operation.request_body.is_some();
    let params = operation.parameters.as_deref().unwrap_or_default();
    let has_query = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let has_path = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let mut statuses: Vec<(u16, &str)> = Vec::new();
    if has_body {
        statuses.extend([
            (400, "malformed_json: the body is not JSON"),
            (413, "payload_too_large"),
            (
                415,
                "unsupported_media_type: the body is not declared as JSON",
            ),
            (422, "validation_failed: fields are missing or invalid"),
        ]);
    }
    if has_query {
        statuses.push((400, "invalid_query"));
    }
    if secured {
        statuses.extend([
            (401, "unauthenticated or invalid_token"),
            (403, "forbidden"),
        ]);
    }
    if has_path {
        statuses.push((404, "not_found"));
    }
    // The middleware answers these on any route (`rate_limit.rs`).
    statuses.extend([
        (
            429,
            "rate_limited: too many requests from this address, account or API key",
        ),
        (431, "headers_too_large"),
    ]);
    let responses = &mut operation.responses.responses;
    for (status, description) in statuses {
        responses.entry(status.to_string()).or_insert_with(|| {
            let mut response = ResponseBuilder::new().description(description);
            if status == 429 {
                response = response.header(
                    "Retry-After",
                    utoipa::openapi::header::HeaderBuilder::new()
                        .schema(
                            utoipa::openapi::ObjectBuilder::new()
                                .schema_type(utoipa::openapi::schema::Type::Integer),
                        )
                        .description(Some("Seconds until a request would be accepted"))
                        .build(),
                );
            }
            RefOr::T(response.build())
        });
    }
    // Every error is a problem: one schema and one content type, whatever the handler wrote.
    for (status, response) in responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if !status.starts_with('4') && !status.starts_with('5') {
            continue;
        }
        response.content.clear();
        response.content.insert(
            PROBLEM_JSON.to_string(),
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        );
    }
}

/// Operation ids unique across the document, as OpenAPI requires (tools resolve links by them):
/// the handler's name after its tag, `categories_get` rather than the five `get`s.
struct OperationIds;

impl Modify for OperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for_each_operation(openapi, |operation| {
            let tag = operation
                .tags
                .as_ref()
                .and_then(|t| t.first())
                .map(|t| t.replace(' ', "_"));
            if let (Some(tag), Some(id)) = (tag, operation.operation_id.as_mut()) {
                *id = format!("{tag}_{id}");
            }
        });
    }
}

fn document_json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| ApiDoc::openapi().to_pretty_json().unwrap_or_default())
}

/// Serves the document and the reference page. Registered ahead of `routes::configure`, whose
/// `/api/v1` scope would otherwise answer these paths with its 404.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web::get;
    cfg.service(routes::resource("/api/v1/openapi.json").route(get().to(document)))
        .service(routes::resource("/api/v1/docs").route(get().to(reference)));
}

/// `GET /api/v1/openapi.json`
pub async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(document_json())
}

/// `GET /api/v1/docs`: the reference page.
pub async fn reference() -> HttpResponse {
    static PAGE: OnceLock<String> = OnceLock::new();
    let page = PAGE.get_or_init(|| {
        let doc: Value = serde_json::from_str(document_json()).unwrap_or(Value::Null);
        render_reference(&doc)
    });
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(page.as_str())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn schema_name(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    if let Some(items) = schema.get("items") {
        return format!("array of {}", schema_name(items));
    }
    match schema.get("type") {
        Some(Value::String(t)) => esc(t),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "object".into(),
    }
}

fn render_reference(doc: &Value) -> String {
    let mut out = String::new();
    out.push_str(r#"<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mercato API reference</title>
<style>
:root{--fg:#1a1d24;--muted:#4a5160;--line:#d9dde5;--bg:#fff;--accent:#3346d3;--code:#f4f5f8}
body{font:16px/1.55 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0}
main{max-width:60rem;margin:0 auto;padding:2rem 1.25rem 4rem}
h1{font-size:2rem;margin:.2em 0}h2{font-size:1.4rem;margin-top:2.5rem;border-bottom:1px solid var(--line);padding-bottom:.3rem}
h3{font-size:1.05rem;margin:1.5rem 0 .3rem;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
.m{display:inline-block;min-width:4.2em;padding:.05em .4em;border-radius:4px;color:#fff;font-size:.8rem;text-align:center;margin-right:.5em}
.get{background:#1d6b3a}.post{background:#3346d3}.patch{background:#8a4b00}.put{background:#6b3fa0}.delete{background:#a3262a}
table{border-collapse:collapse;width:100%;font-size:.92rem;margin:.4rem 0}th,td{text-align:left;border-bottom:1px solid var(--line);padding:.3rem .5rem;vertical-align:top}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--code);border-radius:4px}code{padding:.05em .3em}
pre{padding:.8rem;overflow:auto;font-size:.85rem}.muted{color:var(--muted)}a{color:var(--accent)}
.lock{font-size:.8rem;color:var(--muted)}
</style></head><body><main>"#);
    let info = &doc["info"];
    out.push_str(&format!(
        "<h1>{}</h1><p>{}</p><p>Version {} · <a href=\"/api/v1/openapi.json\">OpenAPI document</a> · <a href=\"#errors\">Error codes</a></p>",
        esc(info["title"].as_str().unwrap_or("API")),
        esc(info["description"].as_str().unwrap_or("")),
        esc(info["version"].as_str().unwrap_or("")),
    ));

    // Operations grouped by tag, in the order the document lists its tags.
    let tags: Vec<String> = doc["tags"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|t| t["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let empty = serde_json::Map::new();
    let paths = doc["paths"].as_object().unwrap_or(&empty);
    for tag in &tags {
        out.push_str(&format!("<h2 id=\"tag-{0}\">{0}</h2>", esc(tag)));
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                let in_tag = op["tags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|x| x.as_str() == Some(tag)));
                if !in_tag {
                    continue;
                }
                render_operation(&mut out, method, path, op);
            }
        }
    }

    out.push_str("<h2 id=\"errors\">Error codes</h2><p>Every error is <code>application/problem+json</code>: <code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code>, a stable <code>code</code>, and for invalid fields an <code>errors</code> list of <code>{field, code, message}</code>.</p><table><tr><th>code</th><th>status</th><th>meaning</th></tr>");
    for code in ErrorCode::ALL {
        out.push_str(&format!(
            "<tr id=\"error-{0}\"><td><code>{0}</code></td><td>{1}</td><td>{2}</td></tr>",
            code.as_str(),
            code.status(),
            esc(code.title())
        ));
    }
    out.push_str("</table><h2 id=\"schemas\">Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            out.push_str(&format!("<h3 id=\"schema-{0}\">{0}</h3>", esc(name)));
            if let Some(d) = schema["description"].as_str() {
                out.push_str(&format!("<p>{}</p>", esc(d)));
            }
            if let Some(props) = schema["properties"].as_object() {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                out.push_str("<table><tr><th>field</th><th>type</th><th>description</th></tr>");
                for (field, p) in props {
                    out.push_str(&format!(
                        "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(field),
                        if required.contains(&field.as_str()) {
                            ""
                        } else {
                            " <span class=\"muted\">optional</span>"
                        },
                        schema_name(p),
                        esc(p["description"].as_str().unwrap_or(""))
                    ));
                }
                out.push_str("</table>");
            } else if let Some(values) = schema["enum"].as_array() {
                let v: Vec<String> = values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|s| format!("<code>{}</code>", esc(s)))
                    .collect();
                out.push_str(&format!("<p>One of {}</p>", v.join(", ")));
            }
        }
    }
    out.push_str("</main></body></html>");
    out
}

fn render_operation(out: &mut String, method: &str, path: &str, op: &Value) {
    let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
    out.push_str(&format!(
        "<h3><span class=\"m {method}\">{}</span>{}</h3>",
        method.to_uppercase(),
        esc(path)
    ));
    if secured {
        out.push_str("<div class=\"lock\">Requires <code>Authorization: Bearer &lt;access token&gt;</code></div>");
    }
    for key in ["summary", "description"] {
        if let Some(s) = op[key].as_str() {
            out.push_str(&format!("<p>{}</p>", esc(s)));
        }
    }
    if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        out.push_str(
            "<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>",
        );
        for p in params {
            out.push_str(&format!(
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(p["name"].as_str().unwrap_or("")),
                if p["required"].as_bool() == Some(true) {
                    ""
                } else {
                    " <span class=\"muted\">optional</span>"
                },
                esc(p["in"].as_str().unwrap_or("")),
                schema_name(&p["schema"]),
                esc(p["description"].as_str().unwrap_or(""))
            ));
        }
        out.push_str("</table>");
    }
    if let Some(schema) = op["requestBody"]["content"]["application/json"].get("schema") {
        out.push_str(&format!("<p>Body: {}</p>", schema_name(schema)));
    }
    if let Some(responses) = op["responses"].as_object() {
        out.push_str("<table><tr><th>status</th><th>body</th><th>description</th></tr>");
        for (status, r) in responses {
            let body = r["content"]
                .as_object()
                .and_then(|c| c.values().next())
                .and_then(|c| c.get("schema"))
                .map(schema_name)
                .unwrap_or_default();
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(status),
                body,
                esc(r["description"].as_str().unwrap_or(""))
            ));
        }
        out.push_str("</table>");
    }
}
