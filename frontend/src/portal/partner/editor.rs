//! The listing editor: every field of a listing, the description's Markdown with a preview
//! rendered by the server's own sanitiser, categories, use cases, screenshots with alt texts,
//! pricing and links; the API's validation messages next to their fields (and summarised at
//! the top, linked to each field); save, submit for review, and the review status with the
//! admin's notes and the listing's history.

use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::categories::Category;
use mercato_shared::api::listings::{
    limits, CreateListing, ListingContent, ListingPatch, ListingStatus, ManagedListing,
    MarkdownPreview, Pricing, PricingModel, RenderedMarkdown, RevisionState, Screenshot,
};
use mercato_shared::api::partners::StatusChange;
use mercato_shared::api::Page;

use crate::api::{self, seg, ApiError};
use crate::islands::{start_submit, Failure, FormProblem};
use crate::portal::ui::{go, humanize, load, show, when, Chip};

/// The element id of the input for an API field: `screenshots[1].alt` → `listing-screenshots-1-alt`.
pub fn field_id(field: &str) -> String {
    let mut id = String::from("listing-");
    for c in field.chars() {
        match c {
            '[' | '.' | '_' => id.push('-'),
            ']' => {}
            c => id.push(c),
        }
    }
    id.trim_end_matches('-').replace("--", "-")
}

/// The form's label for an API field, for the summary of errors: `screenshots[1].alt` →
/// "Screenshot 2 description".
pub fn field_label(field: &str) -> String {
    let numbered = |rest: &str| -> Option<(usize, String)> {
        let (n, tail) = rest.strip_prefix('[')?.split_once(']')?;
        Some((n.parse::<usize>().ok()? + 1, tail.to_string()))
    };
    if let Some((n, _)) = field.strip_prefix("use_cases").and_then(numbered) {
        return format!("Use case {n}");
    }
    if let Some((n, tail)) = field.strip_prefix("screenshots").and_then(numbered) {
        let what = if tail == ".alt" {
            "description"
        } else {
            "image URL"
        };
        return format!("Screenshot {n} {what}");
    }
    match field {
        "slug" => "Address".into(),
        "use_cases" => "Use cases".into(),
        "pricing.model" => "Pricing model".into(),
        "pricing.details" => "Pricing details".into(),
        "install_url" => "Install URL".into(),
        "video_url" => "Video".into(),
        "documentation_url" => "Documentation".into(),
        "support_url" => "Support".into(),
        "privacy_policy_url" => "Privacy policy".into(),
        other => crate::portal::ui::humanize(other),
    }
}

/// A best guess at a slug for a new listing's name: "Invoice Sync for Slack" → "invoice-sync-for-slack".
pub fn slug_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').chars().take(60).collect()
}

/// The API's message for `field` from the last failure.
fn message(failure: Failure, field: &str) -> Option<String> {
    failure.with(|f| f.as_ref().and_then(|e| e.field(field)))
}

/// A row of a list the partner edits (use cases, screenshots), keyed so typing in one row does
/// not re-create the others.
#[derive(Debug, Clone, Copy)]
struct UseCaseRow {
    key: u32,
    text: RwSignal<String>,
}

#[derive(Debug, Clone, Copy)]
struct ShotRow {
    key: u32,
    url: RwSignal<String>,
    alt: RwSignal<String>,
}

/// The form's state: one signal per field.
#[derive(Clone, Copy)]
struct Fields {
    slug: RwSignal<String>,
    name: RwSignal<String>,
    tagline: RwSignal<String>,
    description: RwSignal<String>,
    categories: RwSignal<Vec<String>>,
    use_cases: RwSignal<Vec<UseCaseRow>>,
    screenshots: RwSignal<Vec<ShotRow>>,
    video_url: RwSignal<String>,
    install_url: RwSignal<String>,
    pricing_model: RwSignal<PricingModel>,
    pricing_details: RwSignal<String>,
    support_url: RwSignal<String>,
    documentation_url: RwSignal<String>,
    privacy_policy_url: RwSignal<String>,
    next_key: RwSignal<u32>,
}

impl Fields {
    fn new(slug: String, c: ListingContent) -> Self {
        let keyed = c.use_cases.len() + c.screenshots.len();
        let use_cases = c
            .use_cases
            .into_iter()
            .enumerate()
            .map(|(i, t)| UseCaseRow {
                key: i as u32,
                text: RwSignal::new(t),
            })
            .collect();
        let offset = keyed as u32;
        let screenshots = c
            .screenshots
            .into_iter()
            .enumerate()
            .map(|(i, s)| ShotRow {
                key: offset + i as u32,
                url: RwSignal::new(s.url),
                alt: RwSignal::new(s.alt),
            })
            .collect();
        let text = |s: Option<String>| RwSignal::new(s.unwrap_or_default());
        Fields {
            slug: RwSignal::new(slug),
            name: RwSignal::new(c.name),
            tagline: RwSignal::new(c.tagline),
            description: RwSignal::new(c.description),
            categories: RwSignal::new(c.categories),
            use_cases: RwSignal::new(use_cases),
            screenshots: RwSignal::new(screenshots),
            video_url: text(c.video_url),
            install_url: text(c.install_url),
            pricing_model: RwSignal::new(c.pricing.model),
            pricing_details: text(c.pricing.details),
            support_url: text(c.support_url),
            documentation_url: text(c.documentation_url),
            privacy_policy_url: text(c.privacy_policy_url),
            next_key: RwSignal::new(offset * 2 + 1),
        }
    }

    fn key(&self) -> u32 {
        let key = self.next_key.get_untracked();
        self.next_key.set(key + 1);
        key
    }

    fn content(&self) -> ListingContent {
        let opt = |s: RwSignal<String>| {
            let v = s.get_untracked().trim().to_string();
            (!v.is_empty()).then_some(v)
        };
        ListingContent {
            name: self.name.get_untracked(),
            tagline: self.tagline.get_untracked(),
            description: self.description.get_untracked(),
            categories: self.categories.get_untracked(),
            use_cases: self
                .use_cases
                .get_untracked()
                .iter()
                .map(|r| r.text.get_untracked())
                .collect(),
            screenshots: self
                .screenshots
                .get_untracked()
                .iter()
                .map(|r| Screenshot {
                    url: r.url.get_untracked(),
                    alt: r.alt.get_untracked(),
                })
                .collect(),
            video_url: opt(self.video_url),
            install_url: opt(self.install_url),
            pricing: Pricing {
                model: self.pricing_model.get_untracked(),
                details: opt(self.pricing_details),
            },
            support_url: opt(self.support_url),
            documentation_url: opt(self.documentation_url),
            privacy_policy_url: opt(self.privacy_policy_url),
        }
    }
}

fn create_request(partner: &str, slug: String, c: ListingContent) -> CreateListing {
    CreateListing {
        partner: partner.to_string(),
        slug,
        name: c.name,
        tagline: c.tagline,
        description: c.description,
        categories: c.categories,
        use_cases: c.use_cases,
        screenshots: c.screenshots,
        video_url: c.video_url,
        install_url: c.install_url,
        pricing: c.pricing,
        support_url: c.support_url,
        documentation_url: c.documentation_url,
        privacy_policy_url: c.privacy_policy_url,
    }
}

/// Every field, so clearing one in the form clears it in the listing.
fn patch_request(c: ListingContent) -> ListingPatch {
    ListingPatch {
        name: Some(c.name),
        tagline: Some(c.tagline),
        description: Some(c.description),
        categories: Some(c.categories),
        use_cases: Some(c.use_cases),
        screenshots: Some(c.screenshots),
        video_url: Some(c.video_url),
        install_url: Some(c.install_url),
        pricing: Some(c.pricing),
        support_url: Some(c.support_url),
        documentation_url: Some(c.documentation_url),
        privacy_policy_url: Some(c.privacy_policy_url),
    }
}

fn empty_content() -> ListingContent {
    ListingContent {
        name: String::new(),
        tagline: String::new(),
        description: String::new(),
        categories: Vec::new(),
        use_cases: Vec::new(),
        screenshots: Vec::new(),
        video_url: None,
        install_url: None,
        pricing: Pricing::default(),
        support_url: None,
        documentation_url: None,
        privacy_policy_url: None,
    }
}

/// Whether the partner may change the listing now (not while an admin reviews it).
fn editable(m: &ManagedListing) -> bool {
    m.status != ListingStatus::InReview
        && m.pending_revision
            .as_ref()
            .is_none_or(|r| r.state != RevisionState::InReview)
}

type Loaded = (ManagedListing, Vec<Category>, Vec<StatusChange>);

#[component]
pub fn Editor(partner: String, listing: Option<String>) -> impl IntoView {
    let partner = StoredValue::new(partner);
    let notice = RwSignal::new(None::<String>);
    match listing {
        None => {
            let categories = load(|| async {
                Ok(api::get::<Page<Category>>("/api/v1/categories?limit=100")
                    .await?
                    .items)
            });
            view! {
                <header class="console-head">
                    <p class="breadcrumb"><a href=format!("/partner/{}", partner.get_value())>"Listings"</a></p>
                    <h1>"New listing"</h1>
                    <p class="muted">"Start with the name and tagline; the listing stays a draft you can finish later. Submit it for review when it is complete."</p>
                </header>
                {show(categories, "the categories", move |categories: Vec<Category>| view! {
                    <ListingForm partner=partner.get_value() managed=None categories notice on_saved=Callback::new(|_| ()) />
                })}
            }
            .into_any()
        }
        Some(slug) => {
            let slug = StoredValue::new(slug);
            let data = load(move || async move {
                let s = seg(&slug.get_value());
                Ok((
                    api::get::<ManagedListing>(&format!("/api/v1/listings/{s}/manage")).await?,
                    api::get::<Page<Category>>("/api/v1/categories?limit=100")
                        .await?
                        .items,
                    api::get::<Vec<StatusChange>>(&format!("/api/v1/listings/{s}/history")).await?,
                ))
            });
            let on_saved = Callback::new(move |()| data.refetch());
            view! {
                {show(data, "the listing", move |(managed, categories, history): Loaded| {
                    let name = managed.pending_revision.as_ref().map_or(managed.content.name.clone(), |r| r.content.name.clone());
                    view! {
                        <header class="console-head">
                            <p class="breadcrumb"><a href=format!("/partner/{}", partner.get_value())>"Listings"</a></p>
                            <h1>{name}</h1>
                        </header>
                        <StatusPanel managed=managed.clone() history notice />
                        <ListingForm partner=partner.get_value() managed=Some(managed) categories notice on_saved />
                    }
                })}
            }
            .into_any()
        }
    }
}

/// Where the listing stands in review, the admin's note, and its history.
#[component]
fn StatusPanel(
    managed: ManagedListing,
    history: Vec<StatusChange>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let revision = managed.pending_revision.clone();
    let note = revision
        .as_ref()
        .and_then(|r| r.review_note.clone())
        .or(managed.review_note.clone());
    let changes_requested = managed.status == ListingStatus::ChangesRequested
        || revision
            .as_ref()
            .is_some_and(|r| r.state == RevisionState::ChangesRequested);
    let public = (managed.status == ListingStatus::Published).then(|| {
        let href = format!("/integrations/{}", managed.slug);
        view! { <a href=href>"View the published page"</a> }
    });
    let analytics = format!(
        "/partner/{}/listings/{}/analytics",
        managed.partner.slug, managed.slug
    );
    view! {
        <section class="panel status-panel" aria-labelledby="status-title">
            <h2 class="panel__title" id="status-title">"Review status"</h2>
            <p class="status-line">
                <Chip status=managed.status.as_str().to_string() />
                {revision.as_ref().map(|r| view! {
                    <span>{format!("Revision {}: ", r.number)}</span>
                    <Chip status=r.state.as_str().to_string() />
                })}
                " " {public} " " <a href=analytics>"Analytics"</a>
            </p>
            {move || notice.get().map(|n| view! { <p class="callout callout--success" role="status">{n}</p> })}
            {note.filter(|_| changes_requested).map(|note| view! {
                <div class="callout callout--warning review-note">
                    <h3>"Changes requested by the marketplace team"</h3>
                    <p>{note}</p>
                    <p class="muted small">"Make the changes below, then submit the listing for review again."</p>
                </div>
            })}
            {(!history.is_empty()).then(|| view! {
                <details class="history">
                    <summary>{format!("History ({})", history.len())}</summary>
                    <ol class="history__list">
                        {history.into_iter().rev().map(|h| view! {
                            <li>
                                <span class="history__what">{format!(
                                    "{}{} → {}",
                                    if h.subject == "listing" { String::new() } else { format!("{}: ", humanize(&h.subject)) },
                                    h.from_status.as_deref().map_or("created".to_string(), humanize),
                                    humanize(&h.to_status)
                                )}</span>
                                <span class="muted small">{format!(" · {}{}", when(&h.at), h.actor_name.map(|n| format!(" · {n}")).unwrap_or_default())}</span>
                                {h.note.map(|n| view! { <blockquote>{n}</blockquote> })}
                            </li>
                        }).collect_view()}
                    </ol>
                </details>
            })}
        </section>
    }
}

/// A labelled text input (or textarea with `rows`) for the API field `field`, with its message.
#[component]
fn Input(
    field: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    failure: Failure,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = None)] hint: Option<&'static str>,
    #[prop(default = None)] max: Option<usize>,
    #[prop(default = false)] required: bool,
) -> impl IntoView {
    let id = field_id(field);
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let error = move || message(failure, field);
    let described = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() || max.is_some() {
                ids.push(hint_id.clone());
            }
            if error().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let hint_text = move || {
        let count = max.map(|m| format!("{} of {m} characters", value.with(|v| v.chars().count())));
        [hint.map(str::to_string), count]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ")
    };
    view! {
        <div class="field">
            <label class="field__label" for=id.clone()>{label}{required.then_some(" (required)")}</label>
            <input class="field__input" id=id type=kind name=field
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || error().is_some().then_some("true")
                aria-describedby=described />
            {(hint.is_some() || max.is_some()).then(|| view! { <p class="field__hint" id=hint_id>{hint_text}</p> })}
            {move || error().map(|e| view! { <p class="field__error" id=error_id.clone()>{e}</p> })}
        </div>
    }
}

/// Every field error of the last attempt, each linked to its field.
#[component]
fn ErrorSummary(failure: Failure) -> impl IntoView {
    move || {
        failure.with(|f| match f {
            Some(ApiError::Problem(p)) if !p.errors.is_empty() => {
                let items = p
                    .errors
                    .iter()
                    .map(|e| {
                        let href = format!("#{}", field_id(&e.field));
                        let text = format!("{}: {}", field_label(&e.field), mercato_shared::sentence(&e.message));
                        view! { <li><a href=href>{text}</a></li> }
                    })
                    .collect_view();
                Some(view! {
                    <div class="callout callout--danger" role="alert">
                        <h2 class="callout__title">{format!(
                            "{} to fix before this can be saved",
                            if p.errors.len() == 1 { "One thing".to_string() } else { format!("{} things", p.errors.len()) }
                        )}</h2>
                        <ul>{items}</ul>
                    </div>
                })
            }
            _ => None,
        })
    }
}

#[component]
fn ListingForm(
    partner: String,
    managed: Option<ManagedListing>,
    categories: Vec<Category>,
    notice: RwSignal<Option<String>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let creating = managed.is_none();
    let can_edit = managed.as_ref().is_none_or(editable);
    let status = managed.as_ref().map(|m| m.status);
    let has_revision = managed
        .as_ref()
        .is_some_and(|m| m.pending_revision.is_some());
    let content = managed.as_ref().map_or_else(empty_content, |m| {
        m.pending_revision
            .as_ref()
            .map_or_else(|| m.content.clone(), |r| r.content.clone())
    });
    let slug = managed.as_ref().map(|m| m.slug.clone()).unwrap_or_default();
    let f = Fields::new(slug.clone(), content);
    let failure: Failure = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let slug_touched = RwSignal::new(!creating);
    let partner = StoredValue::new(partner);
    let slug = StoredValue::new(slug);

    // New listings suggest a slug from the name until the partner types one.
    Effect::new(move |_| {
        let name = f.name.get();
        if !slug_touched.get_untracked() {
            f.slug.set(slug_of(&name));
        }
    });

    let save = move |submit: bool| {
        spawn_local(async move {
            let content = f.content();
            let result: Result<String, ApiError> = if creating {
                let body = create_request(&partner.get_value(), f.slug.get_untracked(), content);
                api::post::<ManagedListing>("/api/v1/listings", &body)
                    .await
                    .map(|m| m.slug)
            } else {
                let s = slug.get_value();
                api::patch::<ManagedListing>(
                    &format!("/api/v1/listings/{}", seg(&s)),
                    &patch_request(content),
                )
                .await
                .map(|m| m.slug)
            };
            let result = match result {
                Ok(s) if submit => api::post::<ManagedListing>(
                    &format!("/api/v1/listings/{}/submit", seg(&s)),
                    &serde_json::json!({}),
                )
                .await
                .map(|m| m.slug),
                other => other,
            };
            busy.set(false);
            match result {
                Ok(s) if creating => go(&format!("/partner/{}/listings/{s}", partner.get_value())),
                Ok(_) => {
                    notice.set(Some(if submit {
                        "Submitted for review. The marketplace team will approve it or tell you what to change.".into()
                    } else {
                        "Saved.".into()
                    }));
                    on_saved.run(());
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        // The button that sent the form says whether to submit for review too.
        let submit = ev
            .submitter()
            .and_then(|b| b.get_attribute("value"))
            .is_some_and(|v| v == "submit");
        if start_submit(&ev, busy, failure) {
            notice.set(None);
            save(submit);
        }
    };
    let submit_label = match (status, has_revision) {
        (None, _) => None,
        (Some(ListingStatus::Published), false) => None,
        (Some(ListingStatus::Published), true) => Some("Submit changes for review"),
        (Some(ListingStatus::ChangesRequested), _) => Some("Resubmit for review"),
        _ => Some("Submit for review"),
    };
    let save_label = match status {
        None => "Create draft",
        Some(ListingStatus::Published) => "Save changes",
        _ => "Save draft",
    };
    let published_note = (status == Some(ListingStatus::Published)).then(|| view! {
        <p class="muted">"This listing is live. Your changes are kept as a revision and go live once the marketplace team approves them; the published version stays as it is until then."</p>
    });

    view! {
        <form class="editor" on:submit=on_submit novalidate>
            <ErrorSummary failure />
            <FormProblem failure fields=&[] />
            {(!can_edit).then(|| view! {
                <p class="callout" role="status">"This listing is being reviewed. You can edit it again once the marketplace team has decided."</p>
            })}
            {published_note}
            <fieldset class="editor__fields" disabled=!can_edit>
                <section class="editor__section" aria-labelledby="basics-title">
                    <h2 id="basics-title">"Basics"</h2>
                    <Input field="name" label="Name" value=f.name failure max=Some(limits::NAME_MAX) required=true />
                    {creating.then(|| view! {
                        <div on:input=move |_| slug_touched.set(true)>
                            <Input field="slug" label="Address" value=f.slug failure
                                hint=Some("Lowercase letters, digits and hyphens: the listing’s page is /integrations/<address>. It cannot change later.") required=true />
                        </div>
                    })}
                    <Input field="tagline" label="Tagline" value=f.tagline failure max=Some(limits::TAGLINE_MAX)
                        hint=Some("One sentence on the value, shown in search results.") required=true />
                </section>
                <Description value=f.description failure />
                <Categories all=categories chosen=f.categories failure />
                <UseCases f failure />
                <Screenshots f failure />
                <section class="editor__section" aria-labelledby="pricing-title">
                    <h2 id="pricing-title">"Pricing"</h2>
                    <div class="field">
                        <label class="field__label" for="listing-pricing-model">"Pricing model"</label>
                        <select class="field__input" id="listing-pricing-model"
                            on:change=move |ev| if let Some(m) = PricingModel::parse(&event_target_value(&ev)) { f.pricing_model.set(m) }>
                            {PricingModel::ALL.iter().map(|m| view! {
                                <option value=m.as_str() selected=move || f.pricing_model.get() == *m>{humanize(m.as_str())}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <Input field="pricing.details" label="Pricing details" value=f.pricing_details failure
                        max=Some(limits::PRICING_DETAILS_MAX) hint=Some("For example: from $20 per seat per month; 14-day trial.") />
                </section>
                <section class="editor__section" aria-labelledby="links-title">
                    <h2 id="links-title">"Links"</h2>
                    <Input field="install_url" label="Install URL" kind="url" value=f.install_url failure
                        hint=Some("Where customers finish the setup; Mercato adds a signed install token.") />
                    <Input field="video_url" label="“Value in 10 minutes” video" kind="url" value=f.video_url failure />
                    <Input field="documentation_url" label="Documentation" kind="url" value=f.documentation_url failure />
                    <Input field="support_url" label="Support" kind="url" value=f.support_url failure />
                    <Input field="privacy_policy_url" label="Privacy policy" kind="url" value=f.privacy_policy_url failure />
                </section>
            </fieldset>
            {can_edit.then(|| view! {
                <div class="editor__actions">
                    <button class="button button--secondary" type="submit" value="save" disabled=move || busy.get()>{save_label}</button>
                    {submit_label.map(|label| view! {
                        <button class="button" type="submit" value="submit" disabled=move || busy.get()>{label}</button>
                    })}
                    {move || busy.get().then(|| view! { <span class="muted" role="status">"Saving…"</span> })}
                </div>
            })}
        </form>
    }
}

/// The description's Markdown, with a preview as the listing page will show it.
#[component]
fn Description(value: RwSignal<String>, failure: Failure) -> impl IntoView {
    let previewing = RwSignal::new(false);
    let preview = RwSignal::new(None::<Result<String, ApiError>>);
    let show_preview = move |_| {
        previewing.set(true);
        preview.set(None);
        spawn_local(async move {
            let body = MarkdownPreview {
                markdown: value.get_untracked(),
            };
            let answer = api::post::<RenderedMarkdown>("/api/v1/markdown/preview", &body).await;
            preview.set(Some(answer.map(|r| r.html)));
        });
    };
    let error = move || message(failure, "description");
    view! {
        <section class="editor__section" aria-labelledby="description-title">
            <h2 id="description-title">"Description"</h2>
            <div class="tabs" role="group" aria-label="Description view">
                <button type="button" class="tab" aria-pressed=move || (!previewing.get()).to_string()
                    on:click=move |_| previewing.set(false)>"Write"</button>
                <button type="button" class="tab" aria-pressed=move || previewing.get().to_string()
                    on:click=show_preview>"Preview"</button>
            </div>
            <div class="field" class:hidden=move || previewing.get()>
                <label class="field__label" for="listing-description">"Description (Markdown)"</label>
                <textarea class="field__input editor__markdown" id="listing-description" name="description" rows="14"
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                    aria-invalid=move || error().is_some().then_some("true")
                    aria-describedby="listing-description-hint listing-description-error"></textarea>
                <p class="field__hint" id="listing-description-hint">{move || format!(
                    "Headings (##), lists, links and **bold** work; HTML is shown as text. {} of {} characters.",
                    value.with(|v| v.chars().count()), limits::DESCRIPTION_MAX
                )}</p>
                {move || error().map(|e| view! { <p class="field__error" id="listing-description-error">{e}</p> })}
            </div>
            {move || previewing.get().then(|| match preview.get() {
                None => view! { <p class="status" role="status">"Rendering the preview…"</p> }.into_any(),
                Some(Ok(html)) => view! {
                    <div class="prose editor__preview" aria-label="Description preview" role="region" inner_html=html></div>
                }.into_any(),
                Some(Err(e)) => view! { <p class="form-problem" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn Categories(
    all: Vec<Category>,
    chosen: RwSignal<Vec<String>>,
    failure: Failure,
) -> impl IntoView {
    let error = move || message(failure, "categories");
    view! {
        <fieldset class="editor__section field" id="listing-categories"
            aria-invalid=move || error().is_some().then_some("true")
            aria-describedby="listing-categories-hint">
            <legend><h2>"Categories"</h2></legend>
            <p class="field__hint" id="listing-categories-hint">{format!("Up to {} categories where customers browse for it.", limits::CATEGORIES_MAX)}</p>
            <div class="checks">
                {all.into_iter().map(|c| {
                    let slug = StoredValue::new(c.slug.clone());
                    view! {
                        <label class="check">
                            <input type="checkbox" value=c.slug.clone()
                                prop:checked=move || chosen.with(|v| v.contains(&slug.get_value()))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|v| {
                                        v.retain(|s| *s != slug.get_value());
                                        if on { v.push(slug.get_value()); }
                                    });
                                } />
                            <span>{c.name}</span>
                        </label>
                    }
                }).collect_view()}
            </div>
            {move || error().map(|e| view! { <p class="field__error">{e}</p> })}
        </fieldset>
    }
}

#[component]
fn UseCases(f: Fields, failure: Failure) -> impl IntoView {
    let rows = f.use_cases;
    let add = move |_| {
        let key = f.key();
        rows.update(|r| {
            r.push(UseCaseRow {
                key,
                text: RwSignal::new(String::new()),
            })
        });
    };
    view! {
        <section class="editor__section" aria-labelledby="use-cases-title" id="listing-use-cases">
            <h2 id="use-cases-title">"Use cases"</h2>
            <p class="muted">"What customers do with it, in their words (“sync invoices to Slack”). Each gets a page customers find from search engines."</p>
            {move || message(failure, "use_cases").map(|e| view! { <p class="field__error">{e}</p> })}
            <ol class="rows" role="list">
                <For each=move || rows.get() key=|r| r.key let:row>
                    {
                        let index = move || rows.with(|r| r.iter().position(|x| x.key == row.key).unwrap_or(0));
                        let field = move || format!("use_cases[{}]", index());
                        let error = move || message(failure, &field());
                        view! {
                            <li class="row">
                                <div class="field row__grow">
                                    <label class="field__label" for=move || field_id(&field())>{move || format!("Use case {}", index() + 1)}</label>
                                    <input class="field__input" id=move || field_id(&field()) type="text"
                                        prop:value=move || row.text.get()
                                        on:input=move |ev| row.text.set(event_target_value(&ev))
                                        aria-invalid=move || error().is_some().then_some("true") />
                                    {move || error().map(|e| view! { <p class="field__error">{e}</p> })}
                                </div>
                                <button type="button" class="button button--small button--quiet"
                                    aria-label=move || format!("Remove use case {}", index() + 1)
                                    on:click=move |_| rows.update(|r| r.retain(|x| x.key != row.key))>"Remove"</button>
                            </li>
                        }
                    }
                </For>
            </ol>
            <button type="button" class="button button--secondary button--small" on:click=add
                disabled=move || rows.with(|r| r.len() >= limits::USE_CASES_MAX)>"Add a use case"</button>
        </section>
    }
}

#[component]
fn Screenshots(f: Fields, failure: Failure) -> impl IntoView {
    let rows = f.screenshots;
    let add = move |_| {
        let key = f.key();
        rows.update(|r| {
            r.push(ShotRow {
                key,
                url: RwSignal::new(String::new()),
                alt: RwSignal::new(String::new()),
            })
        });
    };
    let shift = move |key: u32, by: isize| {
        rows.update(|r| {
            if let Some(i) = r.iter().position(|x| x.key == key) {
                let j = i as isize + by;
                if j >= 0 && (j as usize) < r.len() {
                    r.swap(i, j as usize);
                }
            }
        })
    };
    view! {
        <section class="editor__section" aria-labelledby="screenshots-title" id="listing-screenshots">
            <h2 id="screenshots-title">"Screenshots"</h2>
            <p class="muted">{format!("Up to {} images (https URLs), in the order they appear. Each needs a description for people who cannot see it.", limits::SCREENSHOTS_MAX)}</p>
            {move || message(failure, "screenshots").map(|e| view! { <p class="field__error">{e}</p> })}
            <ol class="rows" role="list">
                <For each=move || rows.get() key=|r| r.key let:row>
                    {
                        let index = move || rows.with(|r| r.iter().position(|x| x.key == row.key).unwrap_or(0));
                        let url_field = move || format!("screenshots[{}].url", index());
                        let alt_field = move || format!("screenshots[{}].alt", index());
                        let url_error = move || message(failure, &url_field());
                        let alt_error = move || message(failure, &alt_field());
                        view! {
                            <li class="row row--shot">
                                {move || {
                                    let url = row.url.get();
                                    url.starts_with("https://").then(|| view! { <img class="row__thumb" src=url alt="" loading="lazy" /> })
                                }}
                                <div class="row__grow">
                                    <div class="field">
                                        <label class="field__label" for=move || field_id(&url_field())>{move || format!("Screenshot {} image URL", index() + 1)}</label>
                                        <input class="field__input" id=move || field_id(&url_field()) type="url"
                                            prop:value=move || row.url.get()
                                            on:input=move |ev| row.url.set(event_target_value(&ev))
                                            aria-invalid=move || url_error().is_some().then_some("true") />
                                        {move || url_error().map(|e| view! { <p class="field__error">{e}</p> })}
                                    </div>
                                    <div class="field">
                                        <label class="field__label" for=move || field_id(&alt_field())>{move || format!("Screenshot {} description (alt text)", index() + 1)}</label>
                                        <input class="field__input" id=move || field_id(&alt_field()) type="text"
                                            prop:value=move || row.alt.get()
                                            on:input=move |ev| row.alt.set(event_target_value(&ev))
                                            aria-invalid=move || alt_error().is_some().then_some("true") />
                                        {move || alt_error().map(|e| view! { <p class="field__error">{e}</p> })}
                                    </div>
                                </div>
                                <div class="row__buttons">
                                    <button type="button" class="button button--small button--quiet"
                                        aria-label=move || format!("Move screenshot {} up", index() + 1)
                                        on:click=move |_| shift(row.key, -1)>"↑"</button>
                                    <button type="button" class="button button--small button--quiet"
                                        aria-label=move || format!("Move screenshot {} down", index() + 1)
                                        on:click=move |_| shift(row.key, 1)>"↓"</button>
                                    <button type="button" class="button button--small button--quiet"
                                        aria-label=move || format!("Remove screenshot {}", index() + 1)
                                        on:click=move |_| rows.update(|r| r.retain(|x| x.key != row.key))>"Remove"</button>
                                </div>
                            </li>
                        }
                    }
                </For>
            </ol>
            <button type="button" class="button button--secondary button--small" on:click=add
                disabled=move || rows.with(|r| r.len() >= limits::SCREENSHOTS_MAX)>"Add a screenshot"</button>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_have_stable_element_ids() {
        assert_eq!(field_id("name"), "listing-name");
        assert_eq!(field_id("screenshots[1].alt"), "listing-screenshots-1-alt");
        assert_eq!(field_id("use_cases[0]"), "listing-use-cases-0");
        assert_eq!(field_id("pricing.details"), "listing-pricing-details");
    }

    #[test]
    fn errors_are_summarised_with_the_forms_labels() {
        assert_eq!(field_label("screenshots[0].url"), "Screenshot 1 image URL");
        assert_eq!(
            field_label("screenshots[2].alt"),
            "Screenshot 3 description"
        );
        assert_eq!(field_label("use_cases[4]"), "Use case 5");
        assert_eq!(field_label("install_url"), "Install URL");
        assert_eq!(field_label("tagline"), "Tagline");
    }

    #[test]
    fn slugs_follow_the_name() {
        assert_eq!(slug_of("Invoice Sync for Slack!"), "invoice-sync-for-slack");
        assert_eq!(slug_of("  Ünïcode & more "), "n-code-more");
        assert_eq!(slug_of(""), "");
    }
}
