//! Partner domain verification against real servers started by the tests: an HTTP server on
//! loopback serving (or not) the verification file, and a UDP DNS responder answering TXT
//! questions. The app reaches them with `outbound_allow_private` and the test port hook.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use mercato::clock::Clock;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

use crate::helpers::{expect_json, expect_problem, Session, TestApp};

const FILE_PATH: &str = "/.well-known/mercato-verification.txt";

/// A tiny HTTP/1.1 server: `GET /.well-known/mercato-verification.txt` answers the current
/// file (or 404 when there is none); everything else 404.
#[derive(Clone)]
struct FileServer {
    port: u16,
    file: Arc<Mutex<Option<String>>>,
    /// Requests for the file so far.
    fetches: Arc<std::sync::atomic::AtomicUsize>,
}

impl FileServer {
    async fn start() -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let file: Arc<Mutex<Option<String>>> = Arc::default();
        let fetches: Arc<std::sync::atomic::AtomicUsize> = Arc::default();
        let served = file.clone();
        let counted = fetches.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let served = served.clone();
                let counted = counted.clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&request);
                    let path = head.split_whitespace().nth(1).unwrap_or_default();
                    if path == FILE_PATH {
                        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    let content = served.lock().unwrap().clone();
                    let (status, body) = match content {
                        Some(body) if path == FILE_PATH => ("200 OK", body),
                        _ => ("404 Not Found", "not here".to_string()),
                    };
                    let response = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                });
            }
        });
        FileServer {
            port,
            file,
            fetches,
        }
    }

    fn fetches(&self) -> usize {
        self.fetches.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn serve(&self, content: Option<&str>) {
        *self.file.lock().unwrap() = content.map(str::to_string);
    }
}

/// A tiny DNS server on UDP: answers TXT questions from its table (NXDOMAIN for other names).
#[derive(Clone)]
pub(crate) struct DnsServer {
    pub(crate) addr: std::net::SocketAddr,
    records: Arc<Mutex<HashMap<String, Vec<String>>>>,
}

impl DnsServer {
    pub(crate) async fn start() -> DnsServer {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let records: Arc<Mutex<HashMap<String, Vec<String>>>> = Arc::default();
        let table = records.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            while let Ok((n, from)) = socket.recv_from(&mut buf).await {
                let query = &buf[..n];
                // The question's name: labels from byte 12 to the zero length.
                let mut pos = 12;
                let mut labels = Vec::new();
                while pos < n && query[pos] != 0 {
                    let len = query[pos] as usize;
                    labels
                        .push(String::from_utf8_lossy(&query[pos + 1..pos + 1 + len]).into_owned());
                    pos += 1 + len;
                }
                let question_end = pos + 5;
                let name = labels.join(".").to_ascii_lowercase();
                let answers = table.lock().unwrap().get(&name).cloned();
                let mut msg = query[..question_end].to_vec();
                msg[2] = 0x81; // response, recursion desired
                msg[3] = if answers.is_some() { 0x80 } else { 0x83 }; // NXDOMAIN when unknown
                let answers = answers.unwrap_or_default();
                msg[6..8].copy_from_slice(&(answers.len() as u16).to_be_bytes());
                for text in answers {
                    let mut rdata = Vec::new();
                    for part in text.as_bytes().chunks(255) {
                        rdata.push(part.len() as u8);
                        rdata.extend_from_slice(part);
                    }
                    msg.extend_from_slice(&[0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60]);
                    msg.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
                    msg.extend_from_slice(&rdata);
                }
                let _ = socket.send_to(&msg, from).await;
            }
        });
        DnsServer { addr, records }
    }

    pub(crate) fn publish(&self, name: &str, values: &[&str]) {
        self.records.lock().unwrap().insert(
            name.to_string(),
            values.iter().map(|v| v.to_string()).collect(),
        );
    }
}

struct World {
    app: TestApp,
    owner: Session,
    files: FileServer,
    dns: DnsServer,
    clock: Clock,
}

/// An active partner `acme` whose website is `https://localhost` (the file server's host),
/// on an app that may reach loopback (`allow_private`) or not.
async fn world(allow_private: bool) -> World {
    let files = FileServer::start().await;
    let dns = DnsServer::start().await;
    let clock = Clock::manual(chrono::Utc::now());
    let app = TestApp::spawn_with(|s| {
        s.outbound_allow_private = allow_private;
        s.domain_verification_test_port = Some(files.port);
        s.dns_resolver = Some(dns.addr);
        s.clock = clock.clone();
    })
    .await;
    let owner = app.active_partner("acme").await;
    let res = app
        .patch(
            "/api/v1/partners/acme",
            Some(&owner.token),
            &json!({"website": "https://localhost/"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    World {
        app,
        owner,
        files,
        dns,
        clock,
    }
}

const VERIFICATION: &str = "/api/v1/partners/acme/domain-verification";

impl World {
    /// The owner's call to `path` (GET without a body, POST with one), expecting 200.
    async fn owner_call(&self, path: &str, body: Option<Value>) -> Value {
        let token = Some(self.owner.token.as_str());
        let res = match body {
            Some(body) => self.app.post(path, token, &body).await,
            None => self.app.get(path, token).await,
        };
        expect_json(res, StatusCode::OK).await
    }

    async fn start(&self, body: Value) -> Value {
        self.owner_call(VERIFICATION, Some(body)).await
    }

    async fn check(&self) -> Value {
        self.owner_call(&format!("{VERIFICATION}/check"), Some(json!({})))
            .await
    }

    async fn status(&self) -> Value {
        self.owner_call(VERIFICATION, None).await
    }

    async fn partner(&self) -> Value {
        self.owner_call("/api/v1/partners/acme", None).await
    }

    /// Moves the clock on by `by` and waits until the scheduler has checked again; the status.
    async fn advance_until_rechecked(&self, by: chrono::Duration) -> Value {
        let before = self.status().await["last_check"]["at"].clone();
        self.clock.advance(by);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let status = self.status().await;
            if status["last_check"]["at"] != before {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the scheduler did not recheck: {status}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            // Wake the scheduler again, in case it was busy when the clock moved.
            self.clock.advance(chrono::Duration::seconds(1));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_file_verifies_the_domain_and_shows_the_badge() {
    let w = world(true).await;
    let admin = w.app.admin().await;
    w.app.create_category(&admin, "crm").await;
    w.app
        .published_listing(&w.owner, "acme", "acme-sync", "crm")
        .await;
    // Read once so the public cache holds the unverified listing.
    let listing = expect_json(
        w.app.get("/api/v1/listings/acme-sync", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listing["partner"]["verified"], false);

    let status = w.status().await;
    assert_eq!(status["state"], "not_started");
    assert_eq!(status["domain"], "localhost");

    let started = w.start(json!({})).await;
    assert_eq!(started["state"], "pending");
    assert_eq!(started["method"], "file");
    let token = started["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("mercato-"), "{started}");
    assert_eq!(
        started["file_url"],
        format!("http://localhost:{}{FILE_PATH}", w.files.port)
    );
    assert_eq!(started["file_content"], format!("{token}\n"));
    assert_eq!(started["txt_name"], "_mercato-verification.localhost");
    assert_eq!(started["txt_value"], token.as_str());
    // Starting again keeps the token.
    assert_eq!(w.start(json!({})).await["token"], token.as_str());

    w.files.serve(Some(&format!("# Mercato\n{token}\n")));
    let checked = w.check().await;
    assert_eq!(checked["state"], "verified", "{checked}");
    assert_eq!(checked["last_check"]["ok"], true);
    assert!(checked["verified_at"].is_string());
    assert!(checked["next_check_at"].is_string());

    let partner = w.partner().await;
    assert_eq!(partner["verified"], true);
    assert_eq!(partner["verified_domain"], "localhost");
    let listing = expect_json(
        w.app.get("/api/v1/listings/acme-sync", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        listing["partner"]["verified"], true,
        "the cache was invalidated"
    );
    let list = expect_json(w.app.get("/api/v1/partners", None).await, StatusCode::OK).await;
    assert_eq!(list["items"][0]["verified"], true);

    // The search index follows: a `verified` badge facet and filter.
    w.app.wait_for_search().await;
    let body = w.app.search("q=").await;
    assert!(
        body["facets"]["badge"]
            .as_array()
            .unwrap()
            .contains(&json!({"value": "verified", "count": 1})),
        "{}",
        body["facets"]
    );
    assert_eq!(
        crate::helpers::hit_slugs(&w.app.search("badge=verified").await),
        vec!["acme-sync"]
    );
    assert_eq!(
        w.app.search("badge=verified").await["hits"][0]["badges"],
        json!(["verified"])
    );

    // The public pages show it: the partner's page, the listing's page, the search facet.
    let page = w
        .app
        .get("/partners/acme", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Verified: localhost"), "{page}");
    let page = w
        .app
        .get("/integrations/acme-sync", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(">Verified</span>"), "{page}");
    let page = w.app.get("/search?q=", None).await.text().await.unwrap();
    assert!(page.contains("Verified partner"), "{page}");

    // The verification is in the audit log.
    let audit = expect_json(
        w.app
            .get(
                "/api/v1/admin/audit?action=domain_verified",
                Some(&admin.token),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(audit["items"][0]["subject"], "acme");
    assert_eq!(audit["items"][0]["details"]["domain"], "localhost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dns_txt_record_verifies_the_domain() {
    let w = world(true).await;
    let started = w.start(json!({"method": "dns"})).await;
    assert_eq!(started["method"], "dns");
    let token = started["token"].as_str().unwrap();

    let missing = w.check().await;
    assert_eq!(missing["state"], "pending");
    assert_eq!(missing["last_check"]["failure"], "not_found", "{missing}");

    w.dns
        .publish("_mercato-verification.localhost", &["v=spf1 -all"]);
    let wrong = w.check().await;
    assert_eq!(wrong["last_check"]["failure"], "wrong_content", "{wrong}");

    w.dns
        .publish("_mercato-verification.localhost", &["v=spf1 -all", token]);
    let checked = w.check().await;
    assert_eq!(checked["state"], "verified", "{checked}");
    assert_eq!(checked["last_check"]["method"], "dns");
    assert_eq!(w.partner().await["verified"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_file_or_wrong_content_says_why_and_gives_no_badge() {
    let w = world(true).await;
    let started = w.start(json!({})).await;
    let token = started["token"].as_str().unwrap().to_string();

    let missing = w.check().await;
    assert_eq!(missing["state"], "pending");
    assert_eq!(missing["last_check"]["ok"], false);
    assert_eq!(missing["last_check"]["failure"], "not_found", "{missing}");
    assert!(missing["last_check"]["detail"]
        .as_str()
        .unwrap()
        .contains("404"));

    w.files.serve(Some("someone else's token"));
    let wrong = w.check().await;
    assert_eq!(wrong["last_check"]["failure"], "wrong_content", "{wrong}");

    // A regenerated token replaces the old one, which stops counting.
    w.files.serve(Some(&token));
    let regenerated = w.start(json!({"regenerate": true})).await;
    assert_ne!(regenerated["token"], token.as_str());
    assert_eq!(w.check().await["last_check"]["failure"], "wrong_content");

    w.files.serve(Some(&"x".repeat(5000)));
    assert_eq!(w.check().await["last_check"]["failure"], "too_large");
    assert_eq!(w.partner().await["verified"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_addresses_are_refused_when_not_allowed() {
    let w = world(false).await;
    let token = w.start(json!({})).await["token"]
        .as_str()
        .unwrap()
        .to_string();
    w.files.serve(Some(&token));
    let checked = w.check().await;
    assert_eq!(checked["state"], "pending");
    assert_eq!(
        checked["last_check"]["failure"], "private_address",
        "{checked}"
    );
    assert_eq!(w.partner().await["verified"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_partner_admins_and_marketplace_admins_see_the_verification() {
    let w = world(true).await;
    let path = "/api/v1/partners/acme/domain-verification";
    let check = "/api/v1/partners/acme/domain-verification/check";
    expect_problem(
        w.app.get(path, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    expect_problem(
        w.app.post(path, None, &json!({})).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;

    let stranger = w.app.register("stranger@else.example").await;
    expect_problem(
        w.app.get(path, Some(&stranger.token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        w.app.action(check, Some(&stranger.token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let member = w.app.register("dev@acme.example").await;
    let res = w
        .app
        .post(
            "/api/v1/partners/acme/members",
            Some(&w.owner.token),
            &json!({"email": "dev@acme.example", "role": "member"}),
        )
        .await;
    assert!(res.status().is_success());
    expect_problem(
        w.app.get(path, Some(&member.token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        w.app.post(path, Some(&member.token), &json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // Marketplace admins see it and may check, but the partner starts it.
    let admin = w.app.admin().await;
    expect_problem(
        w.app.action(check, Some(&admin.token)).await,
        StatusCode::CONFLICT,
        "invalid_state_transition",
    )
    .await;
    expect_problem(
        w.app.post(path, Some(&admin.token), &json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    w.start(json!({})).await;
    let seen = expect_json(w.app.get(path, Some(&admin.token)).await, StatusCode::OK).await;
    assert_eq!(seen["state"], "pending");
    assert_eq!(
        expect_json(
            w.app.action(check, Some(&admin.token)).await,
            StatusCode::OK
        )
        .await["last_check"]["failure"],
        "not_found"
    );

    // Bad input is a 4xx problem.
    expect_problem(
        w.app
            .post(
                path,
                Some(&w.owner.token),
                &json!({"method": "carrier-pigeon"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // Without a website there is nothing to verify.
    let res = w
        .app
        .patch(
            "/api/v1/partners/acme",
            Some(&w.owner.token),
            &json!({"website": null}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let problem = expect_problem(
        w.app.post(path, Some(&w.owner.token), &json!({})).await,
        StatusCode::CONFLICT,
        "invalid_state_transition",
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("website"));
}

/// Two nodes on one database, woken by the same clock at the same moment: each due recheck
/// is claimed by one of them, so the partner's server is asked once per recheck.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_recheck_a_domain_once_each_time_it_is_due() {
    let w = world(true).await;
    let second = w.app.spawn_beside(|_| {}).await;
    let token = w.start(json!({})).await["token"]
        .as_str()
        .unwrap()
        .to_string();
    w.files.serve(Some(&token));
    assert_eq!(w.check().await["state"], "verified");
    for round in 1..=3 {
        let before = w.files.fetches();
        let status = w.advance_until_rechecked(chrono::Duration::hours(25)).await;
        assert_eq!(status["state"], "verified");
        // Both schedulers had their chance (woken again, and the claim outlasts the check).
        for _ in 0..5 {
            w.clock.advance(chrono::Duration::seconds(1));
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(
            w.files.fetches(),
            before + 1,
            "round {round}: one fetch per due recheck"
        );
    }
    // The second node serves the same state.
    let seen = expect_json(
        second.get(VERIFICATION, Some(&w.owner.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["state"], "verified");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_badge_lapses_with_a_notice_when_the_proof_disappears() {
    let w = world(true).await;
    let token = w.start(json!({})).await["token"]
        .as_str()
        .unwrap()
        .to_string();
    w.files.serve(Some(&token));
    assert_eq!(w.check().await["state"], "verified");

    // A day later the scheduler checks again and finds the file.
    let status = w.advance_until_rechecked(chrono::Duration::hours(25)).await;
    assert_eq!(status["state"], "verified");
    assert_eq!(status["consecutive_failures"], 0);

    // The file disappears: the first failed recheck keeps the badge and retries in an hour…
    w.files.serve(None);
    let status = w.advance_until_rechecked(chrono::Duration::hours(25)).await;
    assert_eq!(status["state"], "verified", "{status}");
    assert_eq!(status["consecutive_failures"], 1);
    assert_eq!(status["last_check"]["failure"], "not_found");
    assert_eq!(w.partner().await["verified"], true);

    // …and the second one lapses it, with a notice to the partner.
    let status = w.advance_until_rechecked(chrono::Duration::hours(2)).await;
    assert_eq!(status["state"], "lapsed", "{status}");
    assert_eq!(status["consecutive_failures"], 2);
    assert!(status["lapsed_at"].is_string());
    assert!(status["next_check_at"].is_null());
    assert_eq!(w.partner().await["verified"], false);
    let notices = expect_json(
        w.app
            .get("/api/v1/partners/acme/notices", Some(&w.owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        notices[0]["kind"], "domain_verification_lapsed",
        "{notices}"
    );
    assert!(notices[0]["message"]
        .as_str()
        .unwrap()
        .contains("localhost"));
    let admin = w.app.admin().await;
    let audit = expect_json(
        w.app
            .get(
                "/api/v1/admin/audit?action=domain_verification_lapsed",
                Some(&admin.token),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(audit["items"][0]["details"]["reason"], "not_found");

    // Publishing again and checking brings the badge back.
    w.files.serve(Some(&token));
    assert_eq!(w.check().await["state"], "verified");
    assert_eq!(w.partner().await["verified"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_website_resets_the_verification() {
    let w = world(true).await;
    let token = w.start(json!({})).await["token"]
        .as_str()
        .unwrap()
        .to_string();
    w.files.serve(Some(&token));
    assert_eq!(w.check().await["state"], "verified");

    // The same domain on another path keeps it.
    let res = w
        .app
        .patch(
            "/api/v1/partners/acme",
            Some(&w.owner.token),
            &json!({"website": "https://localhost/about"}),
        )
        .await;
    assert_eq!(expect_json(res, StatusCode::OK).await["verified"], true);

    let res = w
        .app
        .patch(
            "/api/v1/partners/acme",
            Some(&w.owner.token),
            &json!({"website": "https://elsewhere.example"}),
        )
        .await;
    let partner = expect_json(res, StatusCode::OK).await;
    assert_eq!(partner["verified"], false);
    assert!(partner["verified_domain"].is_null());
    let status = w.status().await;
    assert_eq!(status["state"], "not_started");
    assert_eq!(status["domain"], "elsewhere.example");
}
