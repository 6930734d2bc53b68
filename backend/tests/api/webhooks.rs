//! Signed webhooks, delivered to a real HTTP receiver started by each test: signatures that
//! verify, retries with back-off after 500s (moved by a manual clock, not sleeps), switching
//! off after a day of failures, redelivery by hand, no duplicates with several workers, and
//! who may manage endpoints.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use mercato::clock::Clock;
use mercato::webhooks::signature;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::receiver::{Received, Receiver};

/// An app whose deliveries may reach this machine, with `acme` (owner returned) publishing
/// `acme-sync`.
async fn marketplace(configure: impl FnOnce(&mut mercato::config::Settings)) -> (TestApp, Session) {
    let app = TestApp::spawn_with(|s| {
        s.outbound_allow_private = true;
        s.leads_per_address_per_hour = 1_000;
        configure(s);
    })
    .await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let owner = app.active_partner("acme").await;
    app.published_listing(&owner, "acme", "acme-sync", "crm")
        .await;
    (app, owner)
}

/// Registers an endpoint of `acme`; returns it and its secret.
async fn endpoint(app: &TestApp, owner: &Session, url: &str, events: &[&str]) -> (i64, String) {
    let created = expect_json(
        app.post(
            "/api/v1/partners/acme/webhooks",
            Some(&owner.token),
            &json!({"url": url, "events": events, "description": "CRM sync"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    (
        created["endpoint"]["id"].as_i64().unwrap(),
        created["secret"].as_str().unwrap().to_string(),
    )
}

async fn intro_lead(app: &TestApp, email: &str) -> i64 {
    let receipt = expect_json(
        app.post(
            "/api/v1/leads",
            None,
            &json!({
                "kind": "intro", "listing": "acme-sync", "contact_name": "Casey Jones",
                "email": email, "company_name": "Customer Co", "company_domain": "customer.example",
                "message": "Please introduce us.", "consent": true,
            }),
        )
        .await,
        StatusCode::ACCEPTED,
    )
    .await;
    receipt["id"].as_i64().unwrap()
}

fn deliveries_path(endpoint: i64) -> String {
    format!("/api/v1/partners/acme/webhooks/{endpoint}/deliveries")
}

async fn only_delivery(app: &TestApp, owner: &Session, endpoint: i64) -> Value {
    let page = expect_json(
        app.get(&deliveries_path(endpoint), Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    items[0].clone()
}

/// Polls the delivery until `done` holds (10 s at most).
async fn wait_for_delivery(
    app: &TestApp,
    owner: &Session,
    endpoint: i64,
    done: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..200 {
        let d = only_delivery(app, owner, endpoint).await;
        if done(&d) {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the delivery did not get there: {}",
        only_delivery(app, owner, endpoint).await
    );
}

fn verifies(secret: &str, r: &Received) -> bool {
    signature::verify(secret, &r.signature, &r.body, Utc::now().timestamp(), 300)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_signed_logged_and_follow_the_lead() {
    let (app, owner) = marketplace(|_| {}).await;
    let receiver = Receiver::start().await;
    let (id, secret) = endpoint(
        &app,
        &owner,
        &receiver.url,
        &["lead.routed", "lead.status_changed"],
    )
    .await;
    assert!(secret.starts_with("whsec_"));
    // The secret is shown once: never again.
    let shown = expect_json(
        app.get(
            &format!("/api/v1/partners/acme/webhooks/{id}"),
            Some(&owner.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(!shown.to_string().contains(&secret));
    assert_eq!(
        shown["events"],
        json!(["lead.routed", "lead.status_changed"])
    );

    let lead = intro_lead(&app, "casey@customer.example").await;
    let got = receiver.wait_for(1).await;
    let first = &got[0];
    assert_eq!(first.event, "lead.routed");
    assert!(verifies(&secret, first), "the signature verifies");
    assert!(!verifies("whsec_someone-else", first));
    let mut tampered = first.clone();
    tampered.body.extend_from_slice(b" ");
    assert!(!verifies(&secret, &tampered), "a changed body fails");
    let body = first.json();
    assert_eq!(body["type"], "lead.routed");
    assert_eq!(body["id"], first.event_id);
    assert_eq!(body["data"]["lead"]["id"], lead);
    assert_eq!(body["data"]["lead"]["email"], "casey@customer.example");
    assert_eq!(body["data"]["lead"]["listing"], "acme-sync");

    // The log shows the delivery and its attempt.
    let d = wait_for_delivery(&app, &owner, id, |d| d["status"] == "delivered").await;
    assert_eq!(d["attempts"], 1);
    assert_eq!(d["event"], "lead.routed");
    assert_eq!(d["id"].to_string(), first.delivery);
    let detail = expect_json(
        app.get(
            &format!("{}/{}", deliveries_path(id), d["id"]),
            Some(&owner.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(detail["payload"], body);
    let attempt = &detail["attempts"][0];
    assert_eq!(attempt["status_code"], 200);
    assert_eq!(attempt["response_excerpt"], "receiver says 200");
    assert!(attempt["latency_ms"].as_i64().unwrap() >= 0);

    // Moving the lead is an event too; after a rotation only the new secret verifies.
    let rotated = expect_json(
        app.action(
            &format!("/api/v1/partners/acme/webhooks/{id}/rotate-secret"),
            Some(&owner.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let new_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    let res = app
        .action(&format!("/api/v1/leads/{lead}/accept"), Some(&owner.token))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let got = receiver.wait_for(2).await;
    let moved = &got[1];
    assert_eq!(moved.event, "lead.status_changed");
    assert!(verifies(new_secret, moved));
    assert!(!verifies(&secret, moved));
    let body = moved.json();
    assert_eq!(body["data"]["from_status"], "routed");
    assert_eq!(body["data"]["lead"]["status"], "accepted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installs_reviews_and_listing_changes_reach_the_partner() {
    let app = TestApp::spawn_with(|s| s.outbound_allow_private = true).await;
    let admin = app.admin().await;
    app.create_category(&admin, "crm").await;
    let owner = app.active_partner("acme").await;
    let receiver = Receiver::start().await;
    let (_, secret) = endpoint(
        &app,
        &owner,
        &receiver.url,
        &[
            "install.created",
            "install.removed",
            "review.created",
            "listing.status_changed",
        ],
    )
    .await;
    // Creating, submitting and approving the listing: three status changes.
    app.published_listing(&owner, "acme", "acme-sync", "crm")
        .await;
    let customer = app.register("casey@customer.example").await;
    let ws = app
        .installed_workspace(&customer, "Casey's team", "acme-sync")
        .await;
    let installs = format!("/api/v1/workspaces/{ws}/installs");
    let res = app
        .post(
            "/api/v1/listings/acme-sync/reviews",
            Some(&customer.token),
            &json!({"workspace": ws, "rating": 5, "body": "Works."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .delete(&format!("{installs}/acme-sync"), Some(&customer.token))
        .await;
    assert!(res.status().is_success(), "{}", res.status());

    let got = receiver.wait_for(6).await;
    let mut by_event: HashMap<String, Vec<Value>> = HashMap::new();
    for r in &got {
        assert!(verifies(&secret, r));
        by_event.entry(r.event.clone()).or_default().push(r.json());
    }
    let listing = &by_event["listing.status_changed"];
    assert_eq!(listing.len(), 3, "{listing:?}");
    assert!(listing
        .iter()
        .any(|b| b["data"]["to_status"] == "published"
            && b["data"]["listing"]["slug"] == "acme-sync"));
    let created = &by_event["install.created"][0]["data"]["install"];
    assert_eq!(created["listing"], "acme-sync");
    assert_eq!(created["workspace"]["id"], ws);
    assert_eq!(created["workspace"]["name"], "Casey's team");
    assert_eq!(
        by_event["install.removed"][0]["data"]["install"]["status"],
        "uninstalled"
    );
    let review = &by_event["review.created"][0]["data"]["review"];
    assert_eq!(review["rating"], 5);
    assert_eq!(review["body"], "Works.");
    // Nothing it did not subscribe to.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.seen().len(), 6);
}

/// The delivery's `next_attempt_at`.
fn next_attempt(d: &Value) -> DateTime<Utc> {
    d["next_attempt_at"].as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_deliveries_are_retried_with_growing_back_off() {
    let clock = Clock::manual(Utc::now());
    let (app, owner) = marketplace(|s| s.clock = clock.clone()).await;
    let receiver = Receiver::start().await;
    receiver.state.plan.lock().unwrap().extend([500, 503]);
    let (id, secret) = endpoint(&app, &owner, &receiver.url, &["lead.routed"]).await;
    intro_lead(&app, "casey@customer.example").await;

    receiver.wait_for(1).await;
    let d = wait_for_delivery(&app, &owner, id, |d| d["attempts"] == 1).await;
    assert_eq!(d["status"], "pending");
    assert_eq!(d["last_status_code"], 500);
    let first_wait = next_attempt(&d) - clock.now();
    assert!(
        (30..=33).contains(&first_wait.num_seconds()),
        "{first_wait}"
    );
    // Nothing happens before it is due.
    clock.advance(chrono::Duration::seconds(10));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.seen().len(), 1);

    clock.advance(next_attempt(&d) - clock.now());
    receiver.wait_for(2).await;
    let d = wait_for_delivery(&app, &owner, id, |d| d["attempts"] == 2).await;
    assert_eq!(d["last_status_code"], 503);
    let second_wait = next_attempt(&d) - clock.now();
    assert!(
        (60..=66).contains(&second_wait.num_seconds()),
        "twice as long: {second_wait}"
    );

    clock.advance(second_wait);
    let got = receiver.wait_for(3).await;
    let d = wait_for_delivery(&app, &owner, id, |d| d["status"] == "delivered").await;
    assert_eq!(d["attempts"], 3);
    assert_eq!(d["next_attempt_at"], Value::Null);
    // The same event, signed each time.
    assert!(got
        .iter()
        .all(|r| r.event_id == got[0].event_id && verifies(&secret, r)));
    let detail = expect_json(
        app.get(
            &format!("{}/{}", deliveries_path(id), d["id"]),
            Some(&owner.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let codes: Vec<i64> = detail["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [500, 503, 200]);
    assert_eq!(detail["attempts"][0]["error"], "HTTP 500");
    assert_eq!(
        detail["attempts"][0]["response_excerpt"],
        "receiver says 500"
    );
    // A success clears the endpoint's failure record.
    let e = expect_json(
        app.get(
            &format!("/api/v1/partners/acme/webhooks/{id}"),
            Some(&owner.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(e["consecutive_failures"], 0);
    assert_eq!(e["failing_since"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_failing_for_a_day_is_switched_off_with_a_notice_and_can_come_back() {
    let clock = Clock::manual(Utc::now());
    let (app, owner) = marketplace(|s| s.clock = clock.clone()).await;
    let receiver = Receiver::start().await;
    *receiver.state.always.lock().unwrap() = Some(500);
    let (id, _) = endpoint(&app, &owner, &receiver.url, &["lead.routed"]).await;
    let start = clock.now();
    intro_lead(&app, "casey@customer.example").await;

    // Follow the retries: each time, move the clock to the next attempt.
    let mut attempts = 0;
    let d = loop {
        let d = wait_for_delivery(&app, &owner, id, |d| {
            d["attempts"].as_i64().unwrap() > attempts
        })
        .await;
        attempts = d["attempts"].as_i64().unwrap();
        if d["status"] != "pending" {
            break d;
        }
        clock.advance(next_attempt(&d) - clock.now());
    };
    assert_eq!(d["status"], "failed");
    assert_eq!(receiver.seen().len() as i64, attempts);
    assert!((12..=20).contains(&attempts), "{attempts} attempts");
    assert!(clock.now() - start <= chrono::Duration::hours(24));
    assert!(clock.now() - start >= chrono::Duration::hours(23));

    let e = expect_json(
        app.get(
            &format!("/api/v1/partners/acme/webhooks/{id}"),
            Some(&owner.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(e["status"], "disabled");
    assert!(e["disabled_reason"].as_str().unwrap().contains("HTTP 500"));
    let notices = expect_json(
        app.get("/api/v1/partners/acme/notices", Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(notices.as_array().unwrap().len(), 1, "{notices}");
    assert_eq!(notices[0]["kind"], "webhook_disabled");
    assert_eq!(notices[0]["endpoint_id"], id);
    assert!(notices[0]["message"]
        .as_str()
        .unwrap()
        .contains(&receiver.url));

    // Disabled: nothing is queued for it, and redelivery waits for it to be enabled.
    intro_lead(&app, "other@customer.example").await;
    let redeliver = format!("{}/{}/redeliver", deliveries_path(id), d["id"]);
    expect_problem(
        app.action(&redeliver, Some(&owner.token)).await,
        StatusCode::CONFLICT,
        "invalid_state_transition",
    )
    .await;
    // The receiver is fixed and the endpoint enabled again: a redelivery by hand goes out.
    *receiver.state.always.lock().unwrap() = None;
    let e = expect_json(
        app.patch(
            &format!("/api/v1/partners/acme/webhooks/{id}"),
            Some(&owner.token),
            &json!({"enabled": true}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(e["status"], "active");
    assert_eq!(e["consecutive_failures"], 0);
    let copy = expect_json(
        app.action(&redeliver, Some(&owner.token)).await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(copy["redelivery_of"], d["id"]);
    assert_eq!(copy["event_id"], d["event_id"]);
    let got = receiver.wait_for(attempts as usize + 1).await;
    let last = got.last().unwrap();
    assert_eq!(last.event_id, d["event_id"].as_str().unwrap());
    assert_eq!(last.delivery, copy["id"].to_string());
    // The receiver has the request before the worker has its answer and records it: wait for
    // the record.
    let mut delivered = 0;
    for _ in 0..200 {
        let page = expect_json(
            app.get(
                &format!("{}?status=delivered", deliveries_path(id)),
                Some(&owner.token),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        delivered = page["items"].as_array().unwrap().len();
        if delivered > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(delivered, 1);
    // Only the two deliveries of the first lead exist: none was queued while disabled.
    let page = expect_json(
        app.get(&deliveries_path(id), Some(&owner.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_workers_never_deliver_an_event_twice() {
    let (app, owner) = marketplace(|s| s.webhook_workers = 4).await;
    let receiver = Receiver::start().await;
    *receiver.state.delay.lock().unwrap() = Duration::from_millis(5);
    let (id, secret) = endpoint(&app, &owner, &receiver.url, &["lead.routed"]).await;
    let leads = 80;
    for i in 0..leads {
        intro_lead(&app, &format!("person{i}@customer{i}.example")).await;
    }
    let got = receiver.wait_for(leads).await;
    // Give a duplicate time to show up.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got_after = receiver.seen();
    assert_eq!(got_after.len(), got.len(), "nothing arrives twice");
    let mut deliveries: Vec<&str> = got_after.iter().map(|r| r.delivery.as_str()).collect();
    deliveries.sort();
    deliveries.dedup();
    assert_eq!(deliveries.len(), leads);
    let mut events: Vec<&str> = got_after.iter().map(|r| r.event_id.as_str()).collect();
    events.sort();
    events.dedup();
    assert_eq!(events.len(), leads);
    assert!(got_after.iter().all(|r| verifies(&secret, r)));
    let page = expect_json(
        app.get(
            &format!("{}?status=delivered&limit=100", deliveries_path(id)),
            Some(&owner.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), leads);
    assert!(items.iter().all(|d| d["attempts"] == 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_partner_admins_manage_endpoints() {
    let (app, owner) = marketplace(|_| {}).await;
    let (id, _) = endpoint(
        &app,
        &owner,
        "https://hooks.acme.example/in",
        &["lead.routed"],
    )
    .await;
    let path = "/api/v1/partners/acme/webhooks";
    let one = format!("{path}/{id}");
    let body = json!({"url": "https://hooks.acme.example/2", "events": ["lead.routed"]});

    // Anonymous: 401.
    expect_problem(
        app.get(path, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    // A member who is not a partner admin: 403 (payloads carry lead contacts).
    let dev = app.register("dev@acme.example").await;
    let res = app
        .post(
            "/api/v1/partners/acme/members",
            Some(&owner.token),
            &json!({"email": "dev@acme.example", "role": "member"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    expect_problem(
        app.get(path, Some(&dev.token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.post(path, Some(&dev.token), &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Another partner may not reach acme's webhooks: acme is public, so the answer is 403
    // (the one partner-access policy, `domain::access`).
    let rival = app.active_partner("rival").await;
    for res in [
        app.get(path, Some(&rival.token)).await,
        app.get(&one, Some(&rival.token)).await,
        app.delete(&one, Some(&rival.token)).await,
        app.get("/api/v1/partners/acme/notices", Some(&rival.token))
            .await,
    ] {
        expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
    // Nor can it reach acme's endpoint through its own partner.
    expect_problem(
        app.get(
            &format!("/api/v1/partners/rival/webhooks/{id}"),
            Some(&rival.token),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Marketplace admins read the log but change nothing.
    let admin = app.admin().await;
    let list = expect_json(app.get(path, Some(&admin.token)).await, StatusCode::OK).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    expect_problem(
        app.post(path, Some(&admin.token), &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.action(&format!("{one}/rotate-secret"), Some(&admin.token))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // The owner removes it.
    let res = app.delete(&one, Some(&owner.token)).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    expect_problem(
        app.get(&one, Some(&owner.token)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_endpoints_are_refused_with_the_field_at_fault() {
    // A production-like server: public https receivers only.
    let app = TestApp::spawn().await;
    let owner = app.active_partner("acme").await;
    let path = "/api/v1/partners/acme/webhooks";
    let post = |body: Value| {
        let app = &app;
        let token = owner.token.clone();
        async move { app.post(path, Some(&token), &body).await }
    };
    for (url, code) in [
        ("http://hooks.acme.example/in", "https_required"),
        ("https://127.0.0.1/in", "private_address"),
        ("https://10.0.0.8/in", "private_address"),
        ("https://169.254.169.254/latest", "private_address"),
        ("https://[::1]/in", "private_address"),
        ("https://localhost/in", "private_address"),
        ("ftp://hooks.acme.example", "invalid_url"),
        ("", "required"),
    ] {
        let p = expect_problem(
            post(json!({"url": url, "events": ["lead.routed"]})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "url", "{url}: {p}");
        assert_eq!(p["errors"][0]["code"], code, "{url}: {p}");
    }
    let p = expect_problem(
        post(json!({"url": "https://hooks.acme.example/in", "events": []})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["events"]);
    let p = expect_problem(
        post(json!({"url": "https://hooks.acme.example/in", "events": ["lead.exploded"]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["events[0]"]);
    let p = expect_problem(
        post(json!({"url": "https://hooks.acme.example/in", "events": ["lead.routed"], "description": "x".repeat(201)}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["description"]);
    expect_problem(
        post(json!({"url": "https://hooks.acme.example/in", "events": ["lead.routed"], "secret": "mine"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // Ten endpoints at most.
    for i in 0..10 {
        let res = post(
            json!({"url": format!("https://hooks{i}.acme.example/in"), "events": ["lead.routed"]}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    expect_problem(
        post(json!({"url": "https://hooks.acme.example/in", "events": ["lead.routed"]})).await,
        StatusCode::CONFLICT,
        "limit_reached",
    )
    .await;
    // Bad queries and unknown ids.
    let list = expect_json(app.get(path, Some(&owner.token)).await, StatusCode::OK).await;
    let id = list[0]["id"].as_i64().unwrap();
    let p = expect_problem(
        app.get(
            &format!("{path}/{id}/deliveries?status=lost"),
            Some(&owner.token),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    assert_eq!(fields(&p), ["status"]);
    expect_problem(
        app.get(&format!("{path}/abc"), Some(&owner.token)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.get(
            &format!("{path}/{id}/deliveries/999999"),
            Some(&owner.token),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // A change is validated like a registration.
    let p = expect_problem(
        app.patch(
            &format!("{path}/{id}"),
            Some(&owner.token),
            &json!({"url": "https://192.168.1.10/in"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["url"]);
}
