//! GitHub's OAuth apps are not OpenID Connect: who signed in comes from its REST API with the
//! access token (`/user`), the email from `/user/emails` (the primary one, if verified).

use serde::Deserialize;

use super::{get_json, Profile, SsoFailure};

#[derive(Deserialize)]
struct User {
    id: i64,
    login: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct Email {
    email: String,
    primary: bool,
    verified: bool,
}

pub async fn profile(
    http: &reqwest::Client,
    api_url: &str,
    access_token: &str,
) -> Result<Profile, SsoFailure> {
    let api = api_url.trim_end_matches('/');
    let get = |path: &str| {
        http.get(format!("{api}{path}"))
            .bearer_auth(access_token)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
    };
    let user: User = get_json(get("/user"), "GitHub user").await?;
    let emails: Vec<Email> = get_json(get("/user/emails"), "GitHub emails").await?;
    let primary = emails.into_iter().find(|e| e.primary && e.verified);
    Ok(Profile {
        subject: user.id.to_string(),
        email_verified: primary.is_some(),
        email: primary.map(|e| e.email),
        name: user.name.or(Some(user.login)),
    })
}
