//! Single sign-on against a real OpenID Connect provider (`e2e/sso-provider.mjs`, the npm
//! package oauth2-mock-server on a loopback port), the whole redirect dance over HTTP: start →
//! the provider's /authorize → our callback → the web app's hand-over code → tokens. Also
//! GitHub's OAuth (the same provider serving GitHub's API shape), account linking, identities,
//! and partners that require SSO.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use mercato::config::{SsoKind, SsoProviderSettings};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::domain_verification::DnsServer;
use crate::helpers::*;

/// The provider process; stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_provider() -> Provider {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../e2e/sso-provider.mjs");
    let mut child = Command::new("node")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs the OIDC provider (npm ci in e2e/ installs it)");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .expect("the provider prints its issuer");
    let started: Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("provider output {line:?}: {e}"));
    Provider {
        issuer: started["issuer"].as_str().unwrap().to_string(),
        child,
    }
}

const CLIENT_ID: &str = "mercato-test";

fn providers(issuer: &str) -> Vec<SsoProviderSettings> {
    vec![
        SsoProviderSettings {
            id: "corp".into(),
            name: "Corp ID".into(),
            kind: SsoKind::Oidc,
            issuer: Some(issuer.into()),
            client_id: CLIENT_ID.into(),
            client_secret: Some("client-secret".to_string().into()),
            authorize_url: None,
            token_url: None,
            api_url: None,
        },
        SsoProviderSettings {
            id: "github".into(),
            name: "GitHub".into(),
            kind: SsoKind::Github,
            issuer: None,
            client_id: "gh-client".into(),
            client_secret: Some("gh-secret".to_string().into()),
            authorize_url: Some(format!("{issuer}/authorize")),
            token_url: Some(format!("{issuer}/token")),
            api_url: Some(format!("{issuer}/github")),
        },
    ]
}

async fn spawn() -> (TestApp, Provider) {
    spawn_with(|_| {}).await
}

async fn spawn_with(configure: impl FnOnce(&mut mercato::config::Settings)) -> (TestApp, Provider) {
    let provider = start_provider();
    let issuer = provider.issuer.clone();
    let app = TestApp::spawn_with(move |s| {
        s.sso_providers = providers(&issuer);
        configure(s);
    })
    .await;
    (app, provider)
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .unwrap_or_else(|| panic!("a redirect, got {}", res.status()))
        .to_str()
        .unwrap()
        .to_string()
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Starts a sign-in and lets the provider sign in `person`; returns our callback URL (with the
/// provider's code and the state) as the provider redirected to it.
async fn authorize(
    app: &TestApp,
    provider: &str,
    person: &[(&str, &str)],
    token: Option<&str>,
    body: Value,
) -> String {
    let res = app
        .post(&format!("/api/v1/auth/sso/{provider}/start"), token, &body)
        .await;
    let start = expect_json(res, StatusCode::OK).await;
    let mut url = start["authorize_url"].as_str().unwrap().to_string();
    for (k, v) in person {
        url.push_str(&format!(
            "&{k}={}",
            form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
        ));
    }
    let res = app.client.get(&url).send().await.unwrap();
    assert!(
        res.status().is_redirection(),
        "provider redirects: {}",
        res.status()
    );
    let callback = location(&res);
    assert!(
        callback.starts_with(&app.url(&format!("/api/v1/auth/sso/{provider}/callback"))),
        "back to our callback: {callback}"
    );
    callback
}

/// Follows the provider's redirect to our callback; returns where we send the browser.
async fn callback(app: &TestApp, url: &str) -> String {
    let res = app.client.get(url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    location(&res)
}

/// Exchanges the hand-over code of `/sign-in/complete?code=…` for tokens.
async fn exchange(app: &TestApp, landing: &str) -> Session {
    assert!(
        landing.starts_with("/sign-in/complete?"),
        "signed in: {landing}"
    );
    let code = query_param(landing, "code").unwrap();
    let res = app
        .post("/api/v1/auth/sso/exchange", None, &json!({ "code": code }))
        .await;
    session_of(expect_json(res, StatusCode::OK).await)
}

/// The whole dance for `person` at `provider`, signed out.
async fn sign_in(app: &TestApp, provider: &str, person: &[(&str, &str)]) -> String {
    let url = authorize(app, provider, person, None, json!({})).await;
    callback(app, &url).await
}

fn sso_error(landing: &str) -> String {
    query_param(landing, "sso_error").unwrap_or_else(|| panic!("an sso_error: {landing}"))
}

async fn me(app: &TestApp, token: &str) -> Value {
    expect_json(app.get("/api/v1/me", Some(token)).await, StatusCode::OK).await
}

#[tokio::test]
async fn the_providers_are_listed_for_sign_in_buttons() {
    let (app, _provider) = spawn().await;
    let list = expect_json(app.get("/api/v1/auth/sso", None).await, StatusCode::OK).await;
    assert_eq!(
        list,
        json!([
            {"id": "corp", "name": "Corp ID", "kind": "oidc"},
            {"id": "github", "name": "GitHub", "kind": "github"},
        ])
    );
}

#[tokio::test]
async fn a_first_oidc_sign_in_creates_the_account_and_the_next_signs_in_to_it() {
    let (app, _provider) = spawn().await;
    let person = [
        ("sub", "ada-1"),
        ("email", "ada@corp.example"),
        ("name", "Ada Lovelace"),
    ];
    let url = authorize(
        &app,
        "corp",
        &person,
        None,
        json!({"return_to": "/listings/x"}),
    )
    .await;
    // PKCE, state and nonce went to the provider.
    let started = url.clone();
    assert!(query_param(&started, "state").is_some());
    let landing = callback(&app, &url).await;
    assert_eq!(
        query_param(&landing, "next").as_deref(),
        Some("/listings/x")
    );
    let session = exchange(&app, &landing).await;
    let account = me(&app, &session.token).await;
    assert_eq!(account["email"], "ada@corp.example");
    assert_eq!(account["display_name"], "Ada Lovelace");
    assert_eq!(account["role"], "customer");

    let identities = expect_json(
        app.get("/api/v1/me/identities", Some(&session.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(identities.as_array().unwrap().len(), 1);
    assert_eq!(identities[0]["provider"], "corp");
    assert_eq!(identities[0]["provider_name"], "Corp ID");
    assert_eq!(identities[0]["email"], "ada@corp.example");

    // Signing in again reaches the same account; the account has no password to sign in with.
    let again = exchange(&app, &sign_in(&app, "corp", &person).await).await;
    assert_eq!(again.user_id, session.user_id);
    expect_problem(
        app.login("ada@corp.example", "").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;

    // The hand-over code works once.
    let code = query_param(&landing, "code").unwrap();
    expect_problem(
        app.post("/api/v1/auth/sso/exchange", None, &json!({ "code": code }))
            .await,
        StatusCode::UNAUTHORIZED,
        "invalid_sso_code",
    )
    .await;

    // The audit log has the registration and both sign-ins, by provider.
    let admin = app.admin().await;
    let log = expect_json(
        app.get(
            &format!("/api/v1/admin/audit?actor={}", session.user_id),
            Some(&admin.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["sso_sign_in", "sso_sign_in", "registered"]);
    assert_eq!(log["items"][0]["details"]["provider"], "corp");
}

#[tokio::test]
async fn a_wrong_or_replayed_state_is_refused() {
    let (app, _provider) = spawn().await;
    let person = [("sub", "eve"), ("email", "eve@corp.example")];
    let url = authorize(&app, "corp", &person, None, json!({})).await;
    let state = query_param(&url, "state").unwrap();
    let tampered = url.replace(&state, "not-the-state");
    assert_eq!(
        sso_error(&callback(&app, &tampered).await),
        "state_mismatch"
    );
    // No state at all.
    let code = query_param(&url, "code").unwrap();
    let bare = app.url(&format!("/api/v1/auth/sso/corp/callback?code={code}"));
    assert_eq!(sso_error(&callback(&app, &bare).await), "state_mismatch");

    // The real callback works once; the same state again is refused.
    let landing = callback(&app, &url).await;
    exchange(&app, &landing).await;
    assert_eq!(sso_error(&callback(&app, &url).await), "state_mismatch");

    // A state started for one provider does not complete another's callback.
    let url = authorize(&app, "corp", &person, None, json!({})).await;
    let other = url.replace("/sso/corp/callback", "/sso/github/callback");
    assert_eq!(sso_error(&callback(&app, &other).await), "state_mismatch");
}

#[tokio::test]
async fn a_replayed_code_is_refused_by_the_provider() {
    let (app, _provider) = spawn().await;
    let person = [("sub", "mallory"), ("email", "mallory@corp.example")];
    let first = authorize(&app, "corp", &person, None, json!({})).await;
    exchange(&app, &callback(&app, &first).await).await;

    // The used code with a fresh state (a new sign-in in flight, with its own PKCE verifier).
    let second = authorize(&app, "corp", &person, None, json!({})).await;
    let old_code = query_param(&first, "code").unwrap();
    let new_code = query_param(&second, "code").unwrap();
    let replay = second.replace(&new_code, &old_code);
    assert_eq!(
        sso_error(&callback(&app, &replay).await),
        "token_exchange_failed"
    );
}

#[tokio::test]
async fn an_id_token_for_another_audience_or_expired_is_refused() {
    let (app, _provider) = spawn().await;
    for (extra, case) in [
        (("aud", "someone-else"), "audience"),
        (("exp", "-600"), "expired"),
    ] {
        let person = [("sub", "tok"), ("email", "tok@corp.example"), extra];
        let landing = sign_in(&app, "corp", &person).await;
        assert_eq!(sso_error(&landing), "id_token_invalid", "{case}");
    }
    // Nothing was created.
    expect_problem(
        app.login("tok@corp.example", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    // The refusals are in the audit log, with their reason.
    let admin = app.admin().await;
    let log = expect_json(
        app.get(
            "/api/v1/admin/audit?action=sso_sign_in_failed",
            Some(&admin.token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 2);
    assert_eq!(log["items"][0]["details"]["reason"], "id_token_invalid");
}

#[tokio::test]
async fn the_provider_refusing_or_an_unverified_email_signs_no_one_in() {
    let (app, _provider) = spawn().await;
    let denied = sign_in(&app, "corp", &[("deny", "1")]).await;
    assert_eq!(sso_error(&denied), "provider_refused");
    let unverified = sign_in(
        &app,
        "corp",
        &[
            ("sub", "u"),
            ("email", "u@corp.example"),
            ("email_verified", "false"),
        ],
    )
    .await;
    assert_eq!(sso_error(&unverified), "email_unverified");
    let no_email = sign_in(&app, "corp", &[("sub", "nobody")]).await;
    assert_eq!(sso_error(&no_email), "email_unverified");
}

#[tokio::test]
async fn github_signs_in_with_its_primary_verified_email() {
    let (app, _provider) = spawn().await;
    let person = [("sub", "octocat"), ("email", "octo@cat.example")];
    let session = exchange(&app, &sign_in(&app, "github", &person).await).await;
    let account = me(&app, &session.token).await;
    assert_eq!(account["email"], "octo@cat.example");
    // No name at GitHub: the login is the display name.
    assert_eq!(account["display_name"], "octocat");
    let again = exchange(&app, &sign_in(&app, "github", &person).await).await;
    assert_eq!(again.user_id, session.user_id);

    let unverified = [
        ("sub", "ghost"),
        ("email", "ghost@cat.example"),
        ("email_verified", "false"),
    ];
    assert_eq!(
        sso_error(&sign_in(&app, "github", &unverified).await),
        "email_unverified"
    );
}

#[tokio::test]
async fn an_existing_account_links_a_provider_only_when_signed_in() {
    let (app, _provider) = spawn().await;
    let owner = app.register("grace@corp.example").await;
    let person = [("sub", "grace-at-corp"), ("email", "grace@corp.example")];

    // Whoever controls a provider account with the same email does not get the account.
    assert_eq!(
        sso_error(&sign_in(&app, "corp", &person).await),
        "account_exists"
    );

    // Linking needs the account's token.
    expect_problem(
        app.post("/api/v1/auth/sso/corp/start", None, &json!({"link": true}))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let url = authorize(
        &app,
        "corp",
        &person,
        Some(&owner.token),
        json!({"link": true, "return_to": "/account"}),
    )
    .await;
    let landing = callback(&app, &url).await;
    assert_eq!(landing, "/account?linked=corp");

    // Now the provider signs in to that account, and the password still works too.
    let session = exchange(&app, &sign_in(&app, "corp", &person).await).await;
    assert_eq!(session.user_id, owner.user_id);
    assert_eq!(
        app.login("grace@corp.example", PASSWORD).await.status(),
        StatusCode::OK
    );

    // The identity cannot be linked to another account.
    let other = app.register("someone@else.example").await;
    let url = authorize(
        &app,
        "corp",
        &person,
        Some(&other.token),
        json!({"link": true, "return_to": "/account"}),
    )
    .await;
    let landing = callback(&app, &url).await;
    assert!(landing.starts_with("/account?"), "{landing}");
    assert_eq!(sso_error(&landing), "identity_taken");

    // Unlinking: the account keeps its password, so the identity can go.
    let identities = expect_json(
        app.get("/api/v1/me/identities", Some(&owner.token)).await,
        StatusCode::OK,
    )
    .await;
    let id = identities[0]["id"].as_i64().unwrap();
    // Nobody else can unlink it (it is not theirs to see).
    expect_problem(
        app.delete(&format!("/api/v1/me/identities/{id}"), Some(&other.token))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.delete(&format!("/api/v1/me/identities/{id}"), None)
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let res = app
        .delete(&format!("/api/v1/me/identities/{id}"), Some(&owner.token))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let identities = expect_json(
        app.get("/api/v1/me/identities", Some(&owner.token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(identities, json!([]));
    assert_eq!(
        sso_error(&sign_in(&app, "corp", &person).await),
        "account_exists"
    );
}

#[tokio::test]
async fn an_account_keeps_one_way_to_sign_in() {
    let (app, _provider) = spawn().await;
    let corp = [("sub", "only-sso"), ("email", "only@corp.example")];
    let session = exchange(&app, &sign_in(&app, "corp", &corp).await).await;
    let identities = expect_json(
        app.get("/api/v1/me/identities", Some(&session.token)).await,
        StatusCode::OK,
    )
    .await;
    let corp_id = identities[0]["id"].as_i64().unwrap();
    expect_problem(
        app.delete(
            &format!("/api/v1/me/identities/{corp_id}"),
            Some(&session.token),
        )
        .await,
        StatusCode::CONFLICT,
        "last_sign_in_method",
    )
    .await;

    // With GitHub linked as well, either one can go.
    let github = [("sub", "only-gh"), ("email", "only@corp.example")];
    let url = authorize(
        &app,
        "github",
        &github,
        Some(&session.token),
        json!({"link": true, "return_to": "/account"}),
    )
    .await;
    assert_eq!(callback(&app, &url).await, "/account?linked=github");
    let res = app
        .delete(
            &format!("/api/v1/me/identities/{corp_id}"),
            Some(&session.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let again = exchange(&app, &sign_in(&app, "github", &github).await).await;
    assert_eq!(again.user_id, session.user_id);
}

#[tokio::test]
async fn a_partner_can_require_its_members_to_use_its_provider() {
    let dns = DnsServer::start().await;
    let resolver = dns.addr;
    let (app, _provider) = spawn_with(move |s| s.dns_resolver = Some(resolver)).await;
    let owner = app.active_partner("northwind").await;
    let member = app.register("sam@northwind.example").await;
    let res = app
        .post(
            "/api/v1/partners/northwind/members",
            Some(&owner.token),
            &json!({"email": "sam@northwind.example", "role": "member"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // Sam links the company provider while signing in with a password is still allowed.
    let sam = [("sub", "sam-corp"), ("email", "sam@northwind.example")];
    let url = authorize(
        &app,
        "corp",
        &sam,
        Some(&member.token),
        json!({"link": true, "return_to": "/account"}),
    )
    .await;
    callback(&app, &url).await;
    let sam_github = [("sub", "sam-gh"), ("email", "sam@northwind.example")];
    let url = authorize(
        &app,
        "github",
        &sam_github,
        Some(&member.token),
        json!({"link": true, "return_to": "/account"}),
    )
    .await;
    callback(&app, &url).await;

    let path = "/api/v1/partners/northwind/sso";
    let rule = json!({"provider": "corp", "domain": "northwind.example"});
    // Who may not: anonymous, plain members, outsiders.
    expect_problem(
        app.put(path, None, &rule).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    expect_problem(
        app.put(path, Some(&member.token), &rule).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let outsider = app.register("out@sider.example").await;
    expect_problem(
        app.put(path, Some(&outsider.token), &rule).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.get(path, Some(&outsider.token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Bad input: an unknown provider, a domain that is not the partner's, an unknown field.
    let problem = expect_problem(
        app.put(
            path,
            Some(&owner.token),
            &json!({"provider": "okta", "domain": "gmail.com"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["provider", "domain"]);
    let problem = expect_problem(
        app.put(path, Some(&owner.token), &json!({"provider": "corp"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["domain"]);

    // The domain must be verified first (else a partner could claim anyone's email domain).
    let problem = expect_problem(
        app.put(path, Some(&owner.token), &rule).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["domain"]);
    assert_eq!(problem["errors"][0]["code"], "domain_not_verified");
    let verification = "/api/v1/partners/northwind/domain-verification";
    let started = expect_json(
        app.post(verification, Some(&owner.token), &json!({"method": "dns"}))
            .await,
        StatusCode::OK,
    )
    .await;
    dns.publish(
        "_mercato-verification.northwind.example",
        &[started["token"].as_str().unwrap()],
    );
    let checked = expect_json(
        app.action(&format!("{verification}/check"), Some(&owner.token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(checked["state"], "verified", "{checked}");

    let set = expect_json(
        app.put(path, Some(&owner.token), &rule).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        set,
        json!({"required": true, "provider": "corp", "domain": "northwind.example"})
    );
    let read = expect_json(app.get(path, Some(&member.token)).await, StatusCode::OK).await;
    assert_eq!(read, set);

    // Sam's password and GitHub are refused; the company provider works.
    let problem = expect_problem(
        app.login("sam@northwind.example", PASSWORD).await,
        StatusCode::FORBIDDEN,
        "sso_required",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("Corp ID"),
        "{problem}"
    );
    assert_eq!(
        sso_error(&sign_in(&app, "github", &sam_github).await),
        "sso_required"
    );
    let session = exchange(&app, &sign_in(&app, "corp", &sam).await).await;
    assert_eq!(session.user_id, member.user_id);
    // Nor can the required identity be unlinked.
    let identities = expect_json(
        app.get("/api/v1/me/identities", Some(&member.token)).await,
        StatusCode::OK,
    )
    .await;
    let corp_identity = identities
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["provider"] == "corp")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    expect_problem(
        app.delete(
            &format!("/api/v1/me/identities/{corp_identity}"),
            Some(&member.token),
        )
        .await,
        StatusCode::FORBIDDEN,
        "sso_required",
    )
    .await;
    // Accounts at other domains are not affected.
    assert_eq!(
        app.login("out@sider.example", PASSWORD).await.status(),
        StatusCode::OK
    );

    // Lifted: the password works again.
    assert_eq!(
        app.delete(path, Some(&owner.token)).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.login("sam@northwind.example", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn starting_a_sign_in_checks_its_input() {
    let (app, provider) = spawn().await;
    expect_problem(
        app.post("/api/v1/auth/sso/okta/start", None, &json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    for target in [
        "//evil.example/x",
        "https://evil.example/",
        "javascript:alert(1)",
    ] {
        let problem = expect_problem(
            app.post(
                "/api/v1/auth/sso/corp/start",
                None,
                &json!({"return_to": target}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&problem), ["return_to"]);
    }
    let problem = expect_problem(
        app.post(
            "/api/v1/auth/sso/corp/start",
            None,
            &json!({"linked": true}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&problem), ["linked"]);
    expect_problem(
        app.post(
            "/api/v1/auth/sso/exchange",
            None,
            &json!({"code": "made-up"}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "invalid_sso_code",
    )
    .await;
    expect_problem(
        app.get("/api/v1/me/identities", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;

    // The provider down: 503, not a hanging or failing request.
    drop(provider);
    expect_problem(
        app.post("/api/v1/auth/sso/corp/start", None, &json!({}))
            .await,
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
    )
    .await;
}

#[tokio::test]
async fn the_pages_offer_the_providers_and_explain_refusals() {
    let (app, _provider) = spawn().await;
    let page = |path: &'static str| {
        let app = &app;
        async move {
            let res = app.get(path, None).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            let no_store = res
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap().to_string());
            (res.text().await.unwrap(), no_store)
        }
    };
    let (html, _) = page("/sign-in?next=%2Flistings%2Fx&sso_error=account_exists").await;
    assert!(html.contains("Continue with Corp ID"), "{html}");
    assert!(html.contains("Continue with GitHub"));
    assert!(html.contains("An account with this email exists"));
    let (html, _) = page("/sign-up").await;
    assert!(html.contains("Continue with Corp ID"));

    let (html, cache) = page("/sign-in/complete?code=abc&next=%2Flistings%2Fx").await;
    assert!(html.contains("Signing you in"));
    assert_eq!(cache.as_deref(), Some("no-store"));

    let (html, cache) = page("/account?linked=corp").await;
    assert!(html.contains("Sign-in methods"));
    assert!(html.contains("Corp ID is now linked"));
    assert_eq!(cache.as_deref(), Some("no-store"));
    // Only configured providers are named.
    let (html, _) = page("/account?linked=%3Cscript%3E").await;
    assert!(!html.contains("is now linked"));

    let robots = app.get("/robots.txt", None).await.text().await.unwrap();
    assert!(robots.contains("Disallow: /account"));
}
