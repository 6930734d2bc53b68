//! Form pieces the interactive forms share: a labelled input whose API error sits beneath it
//! (and is announced with it), and the banner for problems that belong to no field.

use leptos::prelude::*;

use crate::api::ApiError;

/// The last failed submission of a form, if any.
pub type Failure = RwSignal<Option<ApiError>>;

/// Starts handling a form's submission in the app instead of the browser: `false` while an
/// earlier one still runs (a double click sends once); otherwise marks the form busy and
/// forgets the last failure.
pub fn start_submit(ev: &leptos::ev::SubmitEvent, busy: RwSignal<bool>, failure: Failure) -> bool {
    ev.prevent_default();
    if busy.get_untracked() {
        return false;
    }
    busy.set(true);
    failure.set(None);
    true
}

/// The message for `field` from the last failure.
pub fn field_error(failure: Failure, field: &'static str) -> impl Fn() -> Option<String> + Copy {
    move || failure.with(|f| f.as_ref().and_then(|e| e.field(field)))
}

/// One labelled input bound to `value`, with the API's message for `name` beneath it.
#[component]
pub fn TextField(
    /// The element id; the API field is `name`.
    id: &'static str,
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    failure: Failure,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(default = None)] hint: Option<&'static str>,
    #[prop(default = true)] required: bool,
) -> impl IntoView {
    let error = field_error(failure, name);
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = {
        let error_id = error_id.clone();
        let hint_id = hint_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label class="field__label" for=id>{label}</label>
            <input class="field__input" id=id type=kind name=name required=required
                autocomplete=autocomplete
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || error().is_some().then_some("true")
                aria-describedby=described />
            {hint.map(|h| view! { <p class="field__hint" id=hint_id>{h}</p> })}
            {move || error().map(|e| view! { <p class="field__error" id=error_id.clone()>{e}</p> })}
        </div>
    }
}

/// A failure that none of the form's `fields` explains (wrong password, offline, too many
/// requests, …).
#[component]
pub fn FormProblem(failure: Failure, fields: &'static [&'static str]) -> impl IntoView {
    move || {
        failure.with(|f| {
            f.as_ref()
                .filter(|e| !fields.iter().any(|name| e.field(name).is_some()))
                .map(|e| view! { <p class="form-problem" role="alert">{e.to_string()}</p> })
        })
    }
}
