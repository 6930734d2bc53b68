//! The audit log: sign-ins (and refused ones), role changes, partner and listing decisions,
//! keys, webhooks, routing rules and catalogue changes, newest first, filtered by action or by
//! subject, a page at a time.

use leptos::prelude::*;
use mercato_shared::api::audit::{AuditAction, AuditEntry};
use mercato_shared::api::Page;

use crate::api::{self, seg};
use crate::portal::ui::{humanize, load, show, text, when, DataTable};

const PAGE: u32 = 50;

/// The API query for a filter and a page.
pub fn query(action: &str, subject: &str, cursor: Option<&str>) -> String {
    let mut q = format!("/api/v1/admin/audit?limit={PAGE}");
    if !action.is_empty() {
        q.push_str(&format!("&action={action}"));
    }
    if !subject.trim().is_empty() {
        q.push_str(&format!("&subject={}", seg(subject.trim())));
    }
    if let Some(c) = cursor {
        q.push_str(&format!("&cursor={}", seg(c)));
    }
    q
}

#[component]
pub fn Audit() -> impl IntoView {
    let action = RwSignal::new(String::new());
    let subject = RwSignal::new(String::new());
    let applied_subject = RwSignal::new(String::new());
    // The cursors of the pages before this one, to go back.
    let cursors = RwSignal::new(Vec::<Option<String>>::new());
    let cursor = RwSignal::new(None::<String>);
    let data = load(move || {
        let path = query(
            &action.get(),
            &applied_subject.get(),
            cursor.get().as_deref(),
        );
        async move { api::get::<Page<AuditEntry>>(&path).await }
    });
    let reset = move || {
        cursors.set(Vec::new());
        cursor.set(None);
    };
    let filter = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        reset();
        applied_subject.set(subject.get_untracked());
    };
    view! {
        <header class="console-head">
            <h1>"Audit log"</h1>
            <p class="muted">"Security-relevant and administrative actions, newest first."</p>
        </header>
        <form class="form-inline panel" on:submit=filter>
            <div class="field">
                <label class="field__label" for="audit-action">"Action"</label>
                <select class="field__input" id="audit-action"
                    on:change=move |ev| { reset(); action.set(event_target_value(&ev)); }>
                    <option value="">"All actions"</option>
                    {AuditAction::ALL.iter().map(|a| view! { <option value=a.as_str()>{humanize(a.as_str())}</option> }).collect_view()}
                </select>
            </div>
            <div class="field row__grow">
                <label class="field__label" for="audit-subject">"Subject"</label>
                <input class="field__input" id="audit-subject" type="text" placeholder="partner:northwind-labs, user:42, listing"
                    prop:value=move || subject.get() on:input=move |ev| subject.set(event_target_value(&ev)) />
            </div>
            <button class="button button--secondary" type="submit">"Filter"</button>
        </form>
        {show(data, "the audit log", move |page: Page<AuditEntry>| {
            let next = page.next_cursor.clone();
            let rows = if page.items.is_empty() {
                view! { <p class="empty">"Nothing recorded for this filter."</p> }.into_any()
            } else {
                view! {
                    <DataTable caption="Audit log entries" columns=vec![text("When"), text("Who"), text("Action"), text("Subject"), text("Details"), text("From")]>
                                {page.items.into_iter().map(|e| {
                                    let details = if e.details.is_null() || e.details == serde_json::json!({}) {
                                        String::new()
                                    } else {
                                        e.details.to_string()
                                    };
                                    view! {
                                        <tr>
                                            <td>{when(&e.at)}</td>
                                            <td>{e.actor_name.clone().or(e.actor_id.map(|id| format!("user {id}"))).unwrap_or_else(|| "—".into())}</td>
                                            <th scope="row">{humanize(e.action.as_str())}</th>
                                            <td>{format!("{}{}", humanize(e.subject_kind.as_str()), e.subject.map(|s| format!(" {s}")).unwrap_or_default())}</td>
                                            <td><code class="small">{details}</code></td>
                                            <td>{e.ip.unwrap_or_default()}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </DataTable>
                }
                .into_any()
            };
            let has_previous = cursors.with(|c| !c.is_empty());
            view! {
                {rows}
                <nav class="actions" aria-label="Audit log pages">
                    {has_previous.then(|| view! {
                        <button type="button" class="button button--secondary button--small"
                            on:click=move |_| { let prev = cursors.try_update(|c| c.pop()).flatten().flatten(); cursor.set(prev); }>"Newer"</button>
                    })}
                    {next.map(|n| {
                        let n = StoredValue::new(n);
                        view! {
                            <button type="button" class="button button--secondary button--small"
                                on:click=move |_| { cursors.update(|c| c.push(cursor.get_untracked())); cursor.set(Some(n.get_value())); }>"Older"</button>
                        }
                    })}
                </nav>
            }
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_go_into_the_query() {
        assert_eq!(query("", "", None), "/api/v1/admin/audit?limit=50");
    }
}
