use leptos::prelude::*;

/// The "request an intro / talk to an expert" form of a listing, as last submitted: its values,
/// the server's field errors, and whether it was just sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactForm {
    /// `intro` or `implementation_help`.
    pub kind: String,
    pub contact_name: String,
    pub email: String,
    pub company_name: String,
    pub company_domain: String,
    pub message: String,
    pub consent: bool,
    /// `(field, message)` as the API reported them.
    pub errors: Vec<(String, String)>,
    /// A problem with the whole request (too many requests, …).
    pub problem: Option<String>,
    /// The request was just received.
    pub sent: bool,
}

impl ContactForm {
    fn error(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
    }
}

/// One labelled input with its error beneath it (announced with the field).
#[component]
fn Field(
    form: ContactForm,
    name: &'static str,
    label: &'static str,
    value: String,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "")] autocomplete: &'static str,
) -> impl IntoView {
    let id = format!("contact-{name}");
    let error = form.error(name);
    let error_id = format!("{id}-error");
    let described = error.is_some().then(|| error_id.clone());
    view! {
        <div class="field">
            <label class="field__label" for=id.clone()>{label}</label>
            <input class="field__input" id=id type=kind name=name value=value required
                autocomplete=autocomplete
                aria-invalid=error.is_some().then_some("true")
                aria-describedby=described />
            {error.map(|e| view! { <p class="field__error" id=error_id>{e}</p> })}
        </div>
    }
}

#[component]
pub fn ContactFormView(slug: String, partner_name: String, form: ContactForm) -> impl IntoView {
    let action = format!("/integrations/{slug}/contact");
    if form.sent {
        return view! {
            <div class="status status--success" role="status">
                <p class="status__title">"Thanks — your request is on its way."</p>
                <p>{format!("{partner_name} or a certified expert will reply by email, usually within a working day.")}</p>
            </div>
        }
        .into_any();
    }
    let message_error = form.error("message");
    let consent_error = form.error("consent");
    let intro = form.kind != "implementation_help";
    view! {
        <form class="contact-form" method="post" action=action novalidate>
            {form.problem.clone().map(|p| view! { <p class="status status--error" role="alert">{p}</p> })}
            {(!form.errors.is_empty()).then(|| view! {
                <p class="status status--error" role="alert">"Please correct the fields marked below."</p>
            })}
            <div class="field">
                <label class="field__label" for="contact-kind">"What do you need?"</label>
                <select class="field__input" id="contact-kind" name="kind">
                    <option value="intro" selected=intro>{format!("An introduction to {partner_name}")}</option>
                    <option value="implementation_help" selected=!intro>"Help from an expert to set it up"</option>
                </select>
            </div>
            <Field form=form.clone() name="contact_name" label="Your name" value=form.contact_name.clone() autocomplete="name" />
            <Field form=form.clone() name="email" label="Work email" value=form.email.clone() kind="email" autocomplete="email" />
            <Field form=form.clone() name="company_name" label="Company" value=form.company_name.clone() autocomplete="organization" />
            <Field form=form.clone() name="company_domain" label="Company website (e.g. acme.com)" value=form.company_domain.clone() />
            <div class="field">
                <label class="field__label" for="contact-message">"What would you like to achieve?"</label>
                <textarea class="field__input" id="contact-message" name="message" rows="4" required
                    aria-invalid=message_error.is_some().then_some("true")
                    aria-describedby=message_error.is_some().then_some("contact-message-error")>
                    {form.message.clone()}
                </textarea>
                {message_error.map(|e| view! { <p class="field__error" id="contact-message-error">{e}</p> })}
            </div>
            // People never see this field; bots fill it in.
            <div class="visually-hidden" aria-hidden="true">
                <label for="contact-website">"Leave this empty"</label>
                <input id="contact-website" type="text" name="website" tabindex="-1" autocomplete="off" />
            </div>
            <div class="field field--check">
                <input id="contact-consent" type="checkbox" name="consent" value="yes" checked=form.consent
                    aria-invalid=consent_error.is_some().then_some("true")
                    aria-describedby=consent_error.is_some().then_some("contact-consent-error") />
                <label for="contact-consent">{format!("{partner_name} and Mercato's partners may contact me about this request.")}</label>
                {consent_error.map(|e| view! { <p class="field__error" id="contact-consent-error">{e}</p> })}
            </div>
            <button class="button" type="submit">"Send request"</button>
        </form>
    }
    .into_any()
}
