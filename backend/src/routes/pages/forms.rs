//! The forms that work without JavaScript: a listing page's contact form (a lead), and
//! asking for an integration and voting on the requests page. They post to the server, which
//! answers refused input by rendering the form again with each error at its field.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use mercato_frontend::components::ContactForm;
use mercato_frontend::pages::requests::RequestsState;
use mercato_shared::api::integration_requests::{CreateIntegrationRequest, RequestStatus, Vote};
use mercato_shared::api::leads::{CreateLead, LeadKind};
use mercato_shared::{sentence, ErrorCode};

use super::{listing_document, public_listing};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::client_address_hash;
use crate::pages::{self, Head};
use crate::state::AppState;

/// What a form says when its sender hit the hourly limit of leads, requests or votes.
const TOO_MANY: &str = "Too many requests came from here in the last hour. Please try again later.";

/// The contact form as posted (`application/x-www-form-urlencoded`).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ContactFormBody {
    kind: String,
    contact_name: String,
    email: String,
    company_name: String,
    company_domain: String,
    message: String,
    consent: Option<String>,
    website: Option<String>,
}

/// The listing page's "request an intro / talk to an expert" form, working without
/// JavaScript: a lead through the same capture as `POST /api/v1/leads`, then a redirect to the
/// page with a confirmation; refused input re-renders the form with each error at its field.
pub async fn contact(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let Some(listing) = public_listing(&state, &path).await? else {
        return Ok(pages::not_found(&req, &state));
    };
    let posted: ContactFormBody = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let kind = match posted.kind.as_str() {
        "implementation_help" => LeadKind::ImplementationHelp,
        _ => LeadKind::Intro,
    };
    let mut form = ContactForm {
        kind: kind.as_str().to_string(),
        contact_name: posted.contact_name.clone(),
        email: posted.email.clone(),
        company_name: posted.company_name.clone(),
        company_domain: posted.company_domain.clone(),
        message: posted.message.clone(),
        consent: posted.consent.is_some(),
        ..Default::default()
    };
    let lead = CreateLead {
        kind,
        listing: Some(listing.listing.slug.clone()),
        category: None,
        region: None,
        contact_name: posted.contact_name,
        email: posted.email,
        company_name: posted.company_name,
        company_domain: posted.company_domain,
        message: posted.message,
        consent: posted.consent.is_some(),
        website: posted.website,
    };
    match crate::leads::capture::capture(&state, None, lead, client_address_hash(&req)).await {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/integrations/{}?sent=1#contact", listing.listing.slug),
            ))
            .finish()),
        Err(ApiError::Validation(errors)) => {
            form.errors = errors
                .into_iter()
                .map(|e| (e.field, sentence(&e.message)))
                .collect();
            listing_document(
                &req,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                listing,
                form,
            )
            .await
        }
        Err(ApiError::RateLimited { .. }) => {
            form.problem = Some(TOO_MANY.into());
            listing_document(&req, &state, StatusCode::TOO_MANY_REQUESTS, listing, form).await
        }
        Err(e) => Err(e),
    }
}

/// Open requests the page shows, and shipped ones.
const REQUESTS_SHOWN: u32 = 50;
const SHIPPED_SHOWN: u32 = 20;

async fn requests_document(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    page_state: RequestsState,
) -> ApiResult<HttpResponse> {
    let (open, _) =
        crate::integration_requests::ranked(state, RequestStatus::Open, 0, REQUESTS_SHOWN).await?;
    let (shipped, _) =
        crate::integration_requests::ranked(state, RequestStatus::Shipped, 0, SHIPPED_SHOWN)
            .await?;
    let head = Head {
        title: "Ask for an integration · Mercato".into(),
        description: "The integrations people want that do not exist yet, most votes first. Ask for one, or vote, and hear first when it ships.".into(),
        canonical: format!("{}/requests", pages::origin(req, state)),
        og_type: "website",
        image: None,
        json_ld: None,
    };
    let body = mercato_frontend::ssr::requests_page(open, shipped, page_state);
    let res = pages::html(status, pages::document(&head, &body));
    if status != StatusCode::OK || !req.query_string().is_empty() {
        return Ok(pages::no_store(res));
    }
    Ok(res)
}

/// `/requests`: "ask for an integration", with votes.
pub async fn requests(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let notice = match req.query_string() {
        "asked=1" => {
            Some("Thanks — your request is listed. We will tell you when it ships.".to_string())
        }
        "voted=1" => Some("Thanks — your vote is counted.".to_string()),
        _ => None,
    };
    let page_state = RequestsState {
        notice,
        ..Default::default()
    };
    requests_document(&req, &state, StatusCode::OK, page_state).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct AskBody {
    tool: String,
    use_case: String,
    email: String,
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// The "ask for one" form: the API's own request capture, then back to the list.
pub async fn ask(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let posted: AskBody = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let request = CreateIntegrationRequest {
        tool: posted.tool.clone(),
        use_case: posted.use_case.clone(),
        vote: Vote {
            email: Some(posted.email.clone()),
            ..Default::default()
        },
    };
    let mut page_state = RequestsState {
        tool: posted.tool,
        use_case: posted.use_case,
        email: posted.email,
        ..Default::default()
    };
    match crate::integration_requests::ask(&state, None, request, client_address_hash(&req)).await {
        Ok(_) => Ok(see_other("/requests?asked=1")),
        Err(ApiError::Validation(errors)) => {
            page_state.ask_errors = errors
                .into_iter()
                .map(|e| (e.field, sentence(&e.message)))
                .collect();
            requests_document(&req, &state, StatusCode::UNPROCESSABLE_ENTITY, page_state).await
        }
        Err(ApiError::RateLimited { .. }) => {
            page_state.ask_errors = vec![("tool".into(), TOO_MANY.into())];
            requests_document(&req, &state, StatusCode::TOO_MANY_REQUESTS, page_state).await
        }
        Err(ApiError::Conflict { code, detail, .. }) => {
            page_state.ask_errors = vec![("vote.email".into(), sentence(&detail))];
            let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::CONFLICT);
            requests_document(&req, &state, status, page_state).await
        }
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct VoteBody {
    email: String,
}

/// A vote button's form.
pub async fn vote(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let Ok(id) = path.parse::<i64>() else {
        return Ok(pages::not_found(&req, &state));
    };
    let posted: VoteBody = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let ballot = Vote {
        email: Some(posted.email),
        ..Default::default()
    };
    let refused = |message: String| RequestsState {
        vote_error: Some((id, message)),
        ..Default::default()
    };
    match crate::integration_requests::vote_for(&state, None, id, ballot, client_address_hash(&req))
        .await
    {
        Ok(_) => Ok(see_other("/requests?voted=1")),
        Err(ApiError::NotFound(_)) => Ok(pages::not_found(&req, &state)),
        Err(ApiError::Validation(errors)) => {
            let message = errors
                .into_iter()
                .next()
                .map_or("Please give a valid email.".into(), |e| {
                    format!("Your email {}", e.message.trim_end_matches('.')) + "."
                });
            requests_document(
                &req,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                refused(message),
            )
            .await
        }
        Err(ApiError::Conflict { code, detail, .. }) => {
            let message = if code == ErrorCode::AlreadyVoted {
                "You already voted for this one.".to_string()
            } else {
                sentence(&detail)
            };
            let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::CONFLICT);
            requests_document(&req, &state, status, refused(message)).await
        }
        Err(ApiError::InvalidTransition { .. }) => {
            requests_document(
                &req,
                &state,
                StatusCode::CONFLICT,
                refused("This one has shipped: no more votes needed.".into()),
            )
            .await
        }
        Err(ApiError::RateLimited { .. }) => {
            let status = StatusCode::TOO_MANY_REQUESTS;
            requests_document(&req, &state, status, refused(TOO_MANY.into())).await
        }
        Err(e) => Err(e),
    }
}
