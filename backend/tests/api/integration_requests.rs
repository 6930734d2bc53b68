//! Integration requests: asking, voting once per person, ranking, shipping into leads.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

fn voter(email: &str, consent: bool) -> Value {
    json!({"email": email, "contact_name": "Dana", "company_name": "Dana Co",
        "company_domain": "dana.example", "consent": consent})
}

async fn ask(app: &TestApp, tool: &str, vote: Value) -> reqwest::Response {
    app.post(
        "/api/v1/integration-requests",
        None,
        &json!({"tool": tool, "use_case": "Sync deals both ways", "vote": vote}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_ask_and_vote_once_and_the_list_ranks_by_votes() {
    let app = TestApp::spawn().await;
    let first = expect_json(
        ask(&app, "Pipedrive", voter("a@x.example", false)).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (first["votes"].clone(), first["status"].clone()),
        (json!(1), json!("open"))
    );
    // The same tool asked again (any spacing or case) is a vote for the open request.
    let same = expect_json(
        ask(&app, "  pipedrive ", voter("b@x.example", false)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (same["id"].clone(), same["votes"].clone()),
        (first["id"].clone(), json!(2))
    );
    expect_json(
        ask(&app, "Zoho", voter("a@x.example", false)).await,
        StatusCode::CREATED,
    )
    .await;

    let id = first["id"].as_i64().unwrap();
    let votes = format!("/api/v1/integration-requests/{id}/votes");
    expect_problem(
        app.post(&votes, None, &voter("a@x.example", false)).await,
        StatusCode::CONFLICT,
        "already_voted",
    )
    .await;
    // A signed-in voter votes as their account, once.
    let member = app.register("member@x.example").await;
    expect_json(
        app.post(&votes, Some(&member.token), &json!({})).await,
        StatusCode::OK,
    )
    .await;
    expect_problem(
        app.post(&votes, Some(&member.token), &json!({})).await,
        StatusCode::CONFLICT,
        "already_voted",
    )
    .await;
    let res = app
        .post(
            "/api/v1/integration-requests/999/votes",
            None,
            &voter("z@x.example", false),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let page = expect_json(
        app.get("/api/v1/integration-requests?limit=1", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["items"][0]["tool"], "Pipedrive");
    assert_eq!(page["items"][0]["votes"], 3);
    let next = page["next_cursor"].as_str().unwrap();
    let page2 = expect_json(
        app.get(
            &format!("/api/v1/integration-requests?limit=1&cursor={next}"),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page2["items"][0]["tool"], "Zoho");
    assert!(page2.get("next_cursor").is_none());
    for bad in ["limit=0", "limit=101", "cursor=abc", "status=done"] {
        let res = app
            .get(&format!("/api/v1/integration-requests?{bad}"), None)
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_name_the_field() {
    let app = TestApp::spawn().await;
    for (body, field) in [
        (
            json!({"tool": "", "use_case": "x", "vote": voter("a@x.example", false)}),
            "tool",
        ),
        (
            json!({"tool": "X", "use_case": "", "vote": voter("a@x.example", false)}),
            "use_case",
        ),
        (json!({"tool": "X", "use_case": "y"}), "vote.email"),
        (
            json!({"tool": "X", "use_case": "y", "vote": {"email": "nope"}}),
            "vote.email",
        ),
        (
            json!({"tool": "X", "use_case": "y", "vote": {"email": "a@x.example", "consent": true}}),
            "vote.contact_name",
        ),
        (
            json!({"tool": "X", "use_case": "y", "vote": {"email": "a@x.example", "company_domain": "not a domain"}}),
            "vote.company_domain",
        ),
    ] {
        let problem = expect_problem(
            app.post("/api/v1/integration-requests", None, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{field}: {problem}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipping_a_request_turns_consenting_voters_into_leads_for_the_partner() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let acme = app.active_partner("acme").await;
    app.published_listing(&acme, "acme", "acme-pipedrive", "crm")
        .await;
    let request = expect_json(
        ask(&app, "Pipedrive", voter("yes@x.example", true)).await,
        StatusCode::CREATED,
    )
    .await;
    let id = request["id"].as_i64().unwrap();
    let votes = format!("/api/v1/integration-requests/{id}/votes");
    expect_json(
        app.post(&votes, None, &voter("no@x.example", false)).await,
        StatusCode::OK,
    )
    .await;
    expect_json(
        app.post(&votes, None, &voter("also@x.example", true)).await,
        StatusCode::OK,
    )
    .await;

    let ship = format!("/api/v1/admin/integration-requests/{id}/ship");
    let res = app
        .post(
            &ship,
            Some(&acme.token),
            &json!({"listing": "acme-pipedrive"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    expect_problem(
        app.post(
            &ship,
            Some(&admin.token),
            &json!({"listing": "no-such-listing"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let shipped = expect_json(
        app.post(
            &ship,
            Some(&admin.token),
            &json!({"listing": "acme-pipedrive"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shipped["leads_created"], 2);
    assert_eq!(shipped["request"]["status"], "shipped");
    assert_eq!(shipped["request"]["listing"], "acme-pipedrive");
    let leads = expect_json(
        app.get("/api/v1/partners/acme/leads", Some(&acme.token))
            .await,
        StatusCode::OK,
    )
    .await;
    let mut emails: Vec<&str> = leads
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["email"].as_str().unwrap())
        .collect();
    emails.sort();
    assert_eq!(emails, ["also@x.example", "yes@x.example"]);
    assert!(leads[0]["message"].as_str().unwrap().contains("Pipedrive"));

    // Shipped is final: no second shipping, no more votes.
    let res = app
        .post(
            &ship,
            Some(&admin.token),
            &json!({"listing": "acme-pipedrive"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app.post(&votes, None, &voter("late@x.example", true)).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let shipped_list = expect_json(
        app.get("/api/v1/integration-requests?status=shipped", None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shipped_list["items"][0]["id"], id);
}
