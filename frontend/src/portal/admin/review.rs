//! The review queue and the review of one submission: what it changes against the published
//! version (field by field, the description line by line), then approve or request changes
//! with a note the partner sees.

use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::listings::{
    ListingContent, ManagedListing, ReviewDecision, ReviewQueueItem, RevisionState,
};

use super::diff::{self, Line};
use crate::api::{self, seg, ApiError};
use crate::portal::ui::{humanize, load, show, text, when, Chip, DataTable};

#[component]
pub fn Queue() -> impl IntoView {
    let data = load(|| api::get::<Vec<ReviewQueueItem>>("/api/v1/admin/review-queue"));
    view! {
        <header class="console-head">
            <h1>"Review queue"</h1>
            <p class="muted">"New listings and edits of published ones, oldest first. Published versions stay live until you approve a revision."</p>
        </header>
        {show(data, "the review queue", |items: Vec<ReviewQueueItem>| {
            if items.is_empty() {
                return view! { <p class="empty">"Nothing waits for review."</p> }.into_any();
            }
            view! {
                <DataTable caption="Submissions waiting for review" columns=vec![text("Listing"), text("Partner"), text("Kind"), text("Submitted")]>
                            {items.into_iter().map(|i| view! {
                                <tr>
                                    <th scope="row"><a href=format!("/admin/review/{}", i.listing_slug)>{i.listing_name}</a></th>
                                    <td>{i.partner.name}</td>
                                    <td>{match i.revision_number {
                                        Some(n) => format!("Revision {n}"),
                                        None => humanize(&i.kind),
                                    }}</td>
                                    <td>{when(&i.submitted_at)}</td>
                                </tr>
                            }).collect_view()}
                        </DataTable>
            }
            .into_any()
        })}
    }
}

/// A field's value as reviewers read it.
fn fields(c: &ListingContent) -> Vec<(&'static str, String)> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        ("Name", c.name.clone()),
        ("Tagline", c.tagline.clone()),
        ("Categories", c.categories.join(", ")),
        ("Use cases", c.use_cases.join("\n")),
        (
            "Screenshots",
            c.screenshots
                .iter()
                .map(|s| format!("{} — {}", s.url, s.alt))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        ("Video", opt(&c.video_url)),
        ("Install URL", opt(&c.install_url)),
        (
            "Pricing",
            format!(
                "{}{}",
                humanize(c.pricing.model.as_str()),
                c.pricing
                    .details
                    .as_ref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ),
        ),
        ("Support", opt(&c.support_url)),
        ("Documentation", opt(&c.documentation_url)),
        ("Privacy policy", opt(&c.privacy_policy_url)),
    ]
}

#[component]
pub fn Review(listing: String) -> impl IntoView {
    let listing = StoredValue::new(listing);
    let data = load(move || async move {
        api::get::<ManagedListing>(&format!(
            "/api/v1/listings/{}/manage",
            seg(&listing.get_value())
        ))
        .await
    });
    view! {
        <p class="breadcrumb"><a href="/admin">"Review queue"</a></p>
        {show(data, "the submission", |m: ManagedListing| view! { <Submission m /> })}
    }
}

#[component]
fn Submission(m: ManagedListing) -> impl IntoView {
    // A revision is compared with the live version; a new listing with nothing.
    let (before, after, what) = match &m.pending_revision {
        Some(r) => (
            Some(m.content.clone()),
            r.content.clone(),
            format!("Revision {} of a published listing", r.number),
        ),
        None => (None, m.content.clone(), "New listing".to_string()),
    };
    let in_review = m.status == mercato_shared::api::listings::ListingStatus::InReview
        || m.pending_revision
            .as_ref()
            .is_some_and(|r| r.state == RevisionState::InReview);
    let old_fields = before.as_ref().map(fields);
    let new_fields = fields(&after);
    let rows = new_fields
        .into_iter()
        .enumerate()
        .map(|(i, (label, new))| {
            let old = old_fields.as_ref().map(|f| f[i].1.clone());
            // A new listing has nothing to compare with: its filled fields are new.
            let (changed, change) = match &old {
                None if new.is_empty() => (false, "Empty"),
                None => (true, "New"),
                Some(old) if *old == new => (false, "Same"),
                Some(_) => (true, "Changed"),
            };
            view! {
                <tr class:changed=changed>
                    <th scope="row">{label}</th>
                    <td class="diff-cell">{old.unwrap_or_else(|| "—".into())}</td>
                    <td class="diff-cell">{new}</td>
                    <td>{change}</td>
                </tr>
            }
        })
        .collect_view();
    let old_description = before
        .as_ref()
        .map(|b| b.description.clone())
        .unwrap_or_default();
    let description = diff::lines(&old_description, &after.description)
        .into_iter()
        .map(|line| match line {
            Line::Same(l) => view! { <li class="diff__same"><span class="diff__mark" aria-hidden="true">" "</span>{l}</li> }.into_any(),
            Line::Added(l) => view! { <li class="diff__added"><span class="diff__mark">"+"</span><span class="visually-hidden">"Added: "</span>{l}</li> }.into_any(),
            Line::Removed(l) => view! { <li class="diff__removed"><span class="diff__mark">"−"</span><span class="visually-hidden">"Removed: "</span>{l}</li> }.into_any(),
        })
        .collect_view();
    let slug = m.slug.clone();
    view! {
        <header class="console-head">
            <h1>{after.name.clone()}</h1>
            <p class="status-line"><Chip status=m.status.as_str().to_string() /> <span>{what}</span>
                <span class="muted">{format!("by {}", m.partner.name)}</span>
                {(m.published_at.is_some()).then(|| view! { <a href=format!("/integrations/{}", m.slug)>"Published page"</a> })}</p>
        </header>
        <section class="console-section" aria-labelledby="changes-title">
            <h2 id="changes-title">"Changes"</h2>
            <DataTable caption="Fields, published against proposed" columns=vec![text("Field"), text("Published"), text("Proposed"), text("Change")] class="data-table diff-table">{rows}</DataTable>
            <h3>"Description"</h3>
            <ol class="diff" role="list" aria-label="Description, line by line">{description}</ol>
        </section>
        {if in_review {
            view! { <Decision slug /> }.into_any()
        } else {
            view! { <p class="callout">"This listing is not waiting for a decision."</p> }.into_any()
        }}
    }
}

#[component]
fn Decision(slug: String) -> impl IntoView {
    let note = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let decided = RwSignal::new(None::<&'static str>);
    let slug = StoredValue::new(slug);
    let decide = move |action: &'static str| {
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            let text = note.get_untracked();
            let body = ReviewDecision {
                note: Some(text).filter(|n| !n.trim().is_empty()),
            };
            let path = format!("/api/v1/listings/{}/{action}", seg(&slug.get_value()));
            match api::post::<serde_json::Value>(&path, &body).await {
                Ok(_) => decided.set(Some(if action == "approve" {
                    "Approved: the listing is live and in search."
                } else {
                    "Changes requested: the partner sees your note."
                })),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let error = move || failure.with(|f| f.as_ref().and_then(|e| e.field("note")));
    let other = move || {
        failure.with(|f| {
            f.as_ref()
                .filter(|e| e.field("note").is_none())
                .map(|e| e.to_string())
        })
    };
    view! {
        <section class="panel" aria-labelledby="decision-title">
            <h2 class="panel__title" id="decision-title">"Decision"</h2>
            {move || match decided.get() {
                Some(text) => view! {
                    <p class="callout callout--success" role="status">{text} " " <a href="/admin">"Back to the queue"</a></p>
                }.into_any(),
                None => view! {
                    <div class="field">
                        <label class="field__label" for="review-note">"Note to the partner"</label>
                        <textarea class="field__input" id="review-note" rows="4"
                            prop:value=move || note.get()
                            on:input=move |ev| note.set(event_target_value(&ev))
                            aria-invalid=move || error().is_some().then_some("true")
                            aria-describedby="review-note-hint review-note-error"></textarea>
                        <p class="field__hint" id="review-note-hint">"Required when you request changes: say what to change and why."</p>
                        <p class="field__error" id="review-note-error">{error}</p>
                    </div>
                    {move || other().map(|e| view! { <p class="form-problem" role="alert">{e}</p> })}
                    <div class="editor__actions">
                        <button class="button" type="button" disabled=move || busy.get() on:click=move |_| decide("approve")>"Approve"</button>
                        <button class="button button--secondary" type="button" disabled=move || busy.get()
                            on:click=move |_| decide("request-changes")>"Request changes"</button>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}
