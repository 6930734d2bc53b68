//! Leads: capture with abuse controls, routing by the admins' rules, who sees what.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

fn lead(kind: &str, email: &str, listing: Option<&str>) -> Value {
    json!({
        "kind": kind, "listing": listing, "contact_name": "Casey Jones", "email": email,
        "company_name": "Customer Co", "company_domain": "customer.example",
        "message": "We would like help connecting our CRM.", "consent": true,
    })
}

async fn submit(app: &TestApp, body: &Value) -> Value {
    expect_json(
        app.post("/api/v1/leads", None, body).await,
        StatusCode::ACCEPTED,
    )
    .await
}

/// A services partner serving `regions`, with a tier and maybe a current certification.
async fn services_partner(
    app: &TestApp,
    admin: &Session,
    slug: &str,
    tier: &str,
    certified: bool,
) -> Session {
    let owner = app.active_partner(slug).await;
    let res = app
        .patch(
            &format!("/api/v1/partners/{slug}"),
            Some(&owner.token),
            &json!({"motions": ["services"], "regions": ["europe"]}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let res = app
        .put(
            &format!("/api/v1/partners/{slug}/tier"),
            Some(&admin.token),
            &json!({"tier": tier}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    if certified {
        let res = app
            .put(
                &format!("/api/v1/partners/{slug}/certifications"),
                Some(&admin.token),
                &json!({"certifications": [{"name": "Implementation certified", "issued_on": "2026-01-01"}]}),
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap()
        );
    }
    owner
}

async fn set_rules(app: &TestApp, admin: &Session, rules: &Value) {
    let res = app
        .put("/api/v1/admin/routing-rules", Some(&admin.token), rules)
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
}

async fn detail(app: &TestApp, admin: &Session, id: &Value) -> Value {
    expect_json(
        app.get(&format!("/api/v1/admin/leads/{id}"), Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intro_goes_to_the_listings_partner_and_only_it_sees_the_lead() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let acme = app.active_partner("acme").await;
    app.published_listing(&acme, "acme", "acme-sync", "crm")
        .await;
    let rival = app.active_partner("rival").await;

    let receipt = submit(
        &app,
        &lead("intro", "casey@customer.example", Some("acme-sync")),
    )
    .await;
    assert_eq!(receipt["status"], "routed");
    assert_eq!(receipt["merged"], false);

    let mine = expect_json(
        app.get(
            "/api/v1/partners/acme/leads?status=routed",
            Some(&acme.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["listing"], "acme-sync");
    assert_eq!(mine[0]["category"], "crm");
    assert!(mine[0]["sla_due_at"].is_string());
    let res = app
        .get("/api/v1/partners/acme/leads", Some(&rival.token))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app.get("/api/v1/partners/acme/leads", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let d = detail(&app, &admin, &receipt["id"]).await;
    assert_eq!(d["lead"]["partner"], "acme");
    assert_eq!(d["routes"][0]["partner"], "acme");
    assert_eq!(d["routes"][0]["reason"]["rule"], "intro");
    assert_eq!(d["routes"][0]["outcome"], "open");
    let res = app
        .get(
            &format!("/api/v1/admin/leads/{}", receipt["id"]),
            Some(&acme.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The same person asking again that day joins the first lead.
    let again = submit(
        &app,
        &lead("intro", "casey@customer.example", Some("acme-sync")),
    )
    .await;
    assert_eq!(
        (again["id"].clone(), again["merged"].clone()),
        (receipt["id"].clone(), json!(true))
    );
    let d = detail(&app, &admin, &receipt["id"]).await;
    assert_eq!(d["lead"]["merged_count"], 1);
    assert_eq!(d["routes"].as_array().unwrap().len(), 1, "not routed twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implementation_help_is_ordered_by_certification_then_tier_and_equals_take_turns() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    app.create_category(&admin, "finance").await;
    services_partner(&app, &admin, "certified-co", "registered", true).await;
    services_partner(&app, &admin, "premier-co", "premier", false).await;
    services_partner(&app, &admin, "twin-a", "select", false).await;
    services_partner(&app, &admin, "twin-b", "select", false).await;
    let help = |email: &str, category: &str| {
        let mut body = lead("implementation_help", email, None);
        body["category"] = json!(category);
        body["region"] = json!("europe");
        body
    };

    // Nobody serves finance yet: unroutable, and the empty decision is on record.
    let none = submit(&app, &help("a@one.example", "finance")).await;
    assert_eq!(none["status"], "unroutable");
    let d = detail(&app, &admin, &none["id"]).await;
    assert_eq!(d["decision"]["rule"], "implementation_help");
    assert_eq!(d["decision"]["candidates"], json!([]));

    set_rules(
        &app,
        &admin,
        &json!({"sla_hours": 24, "implementation_help": [
            {"partner": "premier-co", "categories": ["crm"]},
            {"partner": "certified-co", "categories": ["crm"], "regions": ["europe"]},
            {"partner": "twin-a", "categories": ["finance"]},
            {"partner": "twin-b", "categories": ["finance"], "regions": ["europe"]},
        ]}),
    )
    .await;
    let crm = submit(&app, &help("b@two.example", "crm")).await;
    assert_eq!(crm["partner_name"], "certified-co Inc");
    let d = detail(&app, &admin, &crm["id"]).await;
    let order: Vec<&str> = d["routes"][0]["reason"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["partner"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["certified-co", "premier-co"]);

    // Two equal partners: the leads alternate between them.
    let mut got = Vec::new();
    for i in 0..4 {
        let r = submit(&app, &help(&format!("c{i}@three.example"), "finance")).await;
        got.push(r["partner_name"].as_str().unwrap().to_string());
    }
    assert_eq!(got[0], got[2]);
    assert_eq!(got[1], got[3]);
    assert_ne!(got[0], got[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_leads_are_refused_naming_the_field_and_bots_are_ignored() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let acme = app.active_partner("acme").await;
    app.published_listing(&acme, "acme", "acme-sync", "crm")
        .await;

    let cases = [
        ("consent", json!({"consent": false})),
        ("email", json!({"email": "not-an-email"})),
        ("company_domain", json!({"company_domain": "not a domain"})),
        ("message", json!({"message": ""})),
        ("contact_name", json!({"contact_name": ""})),
        ("listing", json!({"listing": null})),
        ("listing", json!({"listing": "no-such-listing"})),
        ("category", json!({"category": "no-such-category"})),
    ];
    for (field, change) in cases {
        let mut body = lead("intro", "casey@customer.example", Some("acme-sync"));
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let problem = expect_problem(
            app.post("/api/v1/leads", None, &body).await,
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
    let mut body = lead("intro", "casey@customer.example", Some("acme-sync"));
    body["kind"] = json!("bribe");
    let res = app.post("/api/v1/leads", None, &body).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A bot fills the hidden field: it is told the same as a person, and nothing is stored.
    let mut bot = lead("intro", "bot@spam.example", Some("acme-sync"));
    bot["website"] = json!("https://spam.example");
    let receipt = submit(&app, &bot).await;
    assert_eq!(receipt["id"], 0);
    let mine = expect_json(
        app.get("/api/v1/partners/acme/leads", Some(&acme.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_email_may_send_five_leads_an_hour() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let acme = app.active_partner("acme").await;
    for i in 0..6 {
        app.published_listing(&acme, "acme", &format!("acme-{i}"), "crm")
            .await;
    }
    for i in 0..5 {
        submit(
            &app,
            &lead(
                "intro",
                "eager@customer.example",
                Some(&format!("acme-{i}")),
            ),
        )
        .await;
    }
    let res = app
        .post(
            "/api/v1/leads",
            None,
            &lead("intro", "eager@customer.example", Some("acme-5")),
        )
        .await;
    // The window is an hour: the client is told to come back within it.
    assert_eq!(res.headers()["retry-after"], "3600");
    expect_problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Someone else is not held back.
    submit(
        &app,
        &lead("intro", "calm@customer.example", Some("acme-5")),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_rules_are_for_admins_and_must_name_real_partners_and_categories() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let acme = app.active_partner("acme").await;
    let defaults = expect_json(
        app.get("/api/v1/admin/routing-rules", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(defaults["sla_hours"], 24);
    for token in [None, Some(acme.token.as_str())] {
        let res = app.get("/api/v1/admin/routing-rules", token).await;
        assert!(matches!(
            res.status(),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ));
        let res = app
            .put(
                "/api/v1/admin/routing-rules",
                token,
                &json!({"sla_hours": 1}),
            )
            .await;
        assert!(matches!(
            res.status(),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ));
    }
    let problem = expect_problem(
        app.put(
            "/api/v1/admin/routing-rules",
            Some(&admin.token),
            &json!({"sla_hours": 0, "implementation_help": [{"partner": "ghost", "categories": ["nope"]}],
                "other": "nobody"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "sla_hours",
            "implementation_help[0].partner",
            "other",
            "implementation_help[0].categories[0]"
        ]
    );
    set_rules(&app, &admin, &json!({"sla_hours": 48, "other": "acme"})).await;
    let saved = expect_json(
        app.get("/api/v1/admin/routing-rules", Some(&admin.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (saved["sla_hours"].clone(), saved["other"].clone()),
        (json!(48), json!("acme"))
    );
    let other = submit(&app, &lead("other", "d@four.example", None)).await;
    assert_eq!(other["status"], "routed");
}

async fn lead_of(app: &TestApp, admin: &Session, id: &Value) -> Value {
    detail(app, admin, id).await
}

/// Two services partners for CRM help, `first-co` (premier) before `second-co` (select), with
/// a day to accept a lead.
async fn first_then_second_within_a_day(app: &TestApp, admin: &Session) -> (Session, Session) {
    app.create_category(admin, "crm").await;
    let first = services_partner(app, admin, "first-co", "premier", false).await;
    let second = services_partner(app, admin, "second-co", "select", false).await;
    set_rules(
        app,
        admin,
        &json!({"sla_hours": 24, "implementation_help": [
        {"partner": "first-co"}, {"partner": "second-co"}]}),
    )
    .await;
    (first, second)
}

/// The lead's detail once the SLA sweeper (woken by the clock) has moved it to `partner`.
async fn held_by(app: &TestApp, admin: &Session, id: &Value, partner: &str) -> Value {
    let mut moved = Value::Null;
    for _ in 0..100 {
        moved = lead_of(app, admin, id).await;
        if moved["lead"]["partner"] == partner {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(moved["lead"]["partner"], partner, "{moved}");
    moved
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unaccepted_lead_moves_on_when_the_sla_passes_and_a_declined_one_at_once() {
    let clock = mercato::clock::Clock::manual(chrono::Utc::now());
    let app = TestApp::spawn_with(|s| s.clock = clock.clone()).await;
    let admin = app.admin().await;
    let (_, second) = first_then_second_within_a_day(&app, &admin).await;
    let mut body = lead("implementation_help", "e@five.example", None);
    body["category"] = json!("crm");
    let receipt = submit(&app, &body).await;
    assert_eq!(receipt["partner_name"], "first-co Inc");

    // Within the SLA nothing moves.
    clock.advance(chrono::Duration::hours(23));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        lead_of(&app, &admin, &receipt["id"]).await["lead"]["partner"],
        "first-co"
    );

    // Past it, the lead goes to the next partner and the miss is on record.
    clock.advance(chrono::Duration::hours(2));
    let moved = held_by(&app, &admin, &receipt["id"], "second-co").await;
    assert_eq!(moved["routes"][0]["outcome"], "breached");
    assert_eq!(moved["routes"][1]["outcome"], "open");
    let breach = moved["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(breach["actor_id"], Value::Null);
    assert_eq!(breach["note"], "not accepted within the SLA");
    let due: chrono::DateTime<chrono::Utc> = moved["lead"]["sla_due_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        due,
        clock.now() + chrono::Duration::hours(24),
        "a new SLA from the re-route"
    );

    // The second partner declines: nobody else qualifies (the first had it already).
    let res = app
        .post(
            &format!("/api/v1/leads/{}/decline", receipt["id"]),
            Some(&second.token),
            &json!({"reason": "No capacity this month"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let after = lead_of(&app, &admin, &receipt["id"]).await;
    assert_eq!(after["lead"]["status"], "unroutable");
    assert_eq!(after["routes"][1]["outcome"], "declined");
    // The breach counts against the first partner's SLA record (a decline does not count);
    // tier still comes first.
    let mut body = lead("implementation_help", "f@six.example", None);
    body["category"] = json!("crm");
    let next = submit(&app, &body).await;
    let d = detail(&app, &admin, &next["id"]).await;
    let candidates = &d["routes"][0]["reason"]["candidates"];
    assert_eq!(
        (
            candidates[0]["partner"].clone(),
            candidates[0]["sla_adherence"].clone()
        ),
        (json!("first-co"), json!(0.0)),
        "{d}"
    );
    assert_eq!(candidates[1]["sla_adherence"], 1.0);
}

/// A partner acting on a lead the SLA sweeper has just re-routed to another partner (its
/// request read the lead before the sweep, and writes after it) must not take it back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_the_sla_moved_on_is_no_longer_the_first_partners_to_accept() {
    use sea_orm::{EntityTrait, TransactionTrait};

    let clock = mercato::clock::Clock::manual(chrono::Utc::now());
    let app = TestApp::spawn_with(|s| s.clock = clock.clone()).await;
    let admin = app.admin().await;
    let (first, second) = first_then_second_within_a_day(&app, &admin).await;
    let mut body = lead("implementation_help", "m@moved.example", None);
    body["category"] = json!("crm");
    let receipt = submit(&app, &body).await;
    assert_eq!(receipt["partner_name"], "first-co Inc");
    let id = receipt["id"].as_i64().unwrap();

    // The first partner's accept reads the lead while it is still theirs...
    let read_before_the_sweep = mercato::entities::leads::Entity::find_by_id(id)
        .one(&app.state.db.write)
        .await
        .unwrap()
        .unwrap();
    // ...the SLA passes and the sweeper hands the lead to the second partner...
    clock.advance(chrono::Duration::hours(25));
    held_by(&app, &admin, &receipt["id"], "second-co").await;
    // ...and the accept writes after the sweep: refused, the lead moved.
    let txn = app.state.db.write.begin().await.unwrap();
    let late = mercato::leads::pipeline::write_acceptance(
        &txn,
        read_before_the_sweep,
        Some(first.user_id),
        clock.now(),
    )
    .await;
    txn.commit().await.unwrap();
    assert!(
        matches!(
            late,
            Err(mercato::error::ApiError::Conflict {
                code: mercato_shared::ErrorCode::LeadMoved,
                ..
            })
        ),
        "{late:?}"
    );

    // Through the API the first partner hears that it moved (not where), whatever it tries.
    let step = |path: &str| format!("/api/v1/leads/{id}/{path}");
    for (path, body) in [
        ("accept", json!({})),
        ("decline", json!({"reason": "Too late"})),
        ("status", json!({"status": "qualified"})),
    ] {
        let problem = expect_problem(
            app.post(&step(path), Some(&first.token), &body).await,
            StatusCode::CONFLICT,
            "lead_moved",
        )
        .await;
        assert!(!problem.to_string().contains("second-co"), "{problem}");
    }
    let after = lead_of(&app, &admin, &receipt["id"]).await;
    assert_eq!(
        (
            after["lead"]["partner"].clone(),
            after["lead"]["status"].clone(),
            after["routes"][1]["outcome"].clone()
        ),
        (json!("second-co"), json!("routed"), json!("open")),
        "{after}"
    );
    let accepted = expect_json(
        app.post(&step("accept"), Some(&second.token), &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(accepted["partner"], "second-co");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partners_work_their_leads_through_the_pipeline() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let acme = app.active_partner("acme").await;
    app.published_listing(&acme, "acme", "acme-sync", "crm")
        .await;
    let rival = app.active_partner("rival").await;
    let receipt = submit(&app, &lead("intro", "g@seven.example", Some("acme-sync"))).await;
    let id = &receipt["id"];
    let step = |path: &str| format!("/api/v1/leads/{id}/{path}");

    // Another partner's people cannot touch it, nor can anyone signed out.
    let res = app
        .post(&step("accept"), Some(&rival.token), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app.post(&step("accept"), None, &json!({})).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // Not accepted yet: no pipeline moves.
    let res = app
        .post(
            &step("status"),
            Some(&acme.token),
            &json!({"status": "qualified"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    let accepted = expect_json(
        app.post(&step("accept"), Some(&acme.token), &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(accepted["status"], "accepted");
    assert!(accepted["accepted_at"].is_string());
    let res = app
        .post(&step("accept"), Some(&acme.token), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "accepted once");
    let res = app
        .post(
            &step("status"),
            Some(&acme.token),
            &json!({"status": "won", "deal_value": 10}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "qualified before won");
    expect_json(
        app.post(
            &step("status"),
            Some(&acme.token),
            &json!({"status": "qualified"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    for (body, field) in [
        (json!({"status": "won"}), "deal_value"),
        (json!({"status": "won", "deal_value": 0}), "deal_value"),
        (json!({"status": "lost"}), "reason"),
    ] {
        let problem = expect_problem(
            app.post(&step("status"), Some(&acme.token), &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], field);
    }
    let won = expect_json(
        app.post(
            &step("status"),
            Some(&acme.token),
            &json!({"status": "won", "deal_value": 48000}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (won["status"].clone(), won["deal_value"].clone()),
        (json!("won"), json!(48000))
    );
    assert!(won["closed_at"].is_string());

    let d = detail(&app, &admin, id).await;
    let moves: Vec<(Value, Value)> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].clone(), e["to"].clone()))
        .collect();
    assert_eq!(
        moves,
        [
            (Value::Null, json!("routed")),
            (json!("routed"), json!("accepted")),
            (json!("accepted"), json!("qualified")),
            (json!("qualified"), json!("won")),
        ]
    );
    assert_eq!(d["routes"][0]["outcome"], "accepted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_may_send_as_many_leads_an_hour_as_configured() {
    let app = TestApp::spawn_with(|s| s.leads_per_address_per_hour = 3).await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let acme = app.active_partner("acme").await;
    app.published_listing(&acme, "acme", "acme-sync", "crm")
        .await;
    for i in 0..3 {
        submit(
            &app,
            &lead("intro", &format!("p{i}@people.example"), Some("acme-sync")),
        )
        .await;
    }
    expect_problem(
        app.post(
            "/api/v1/leads",
            None,
            &lead("intro", "p9@people.example", Some("acme-sync")),
        )
        .await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
}
