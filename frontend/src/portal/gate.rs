//! Who may see a console page. These pages are for signed-in users: a visitor without a session
//! is sent to sign in and brought back; an account without the right role sees a clear "not
//! allowed" page (the API refuses its calls as well).

use leptos::prelude::*;
use mercato_shared::api::auth::{Me, UserRole};

use crate::islands::{here, with_next};
use crate::session;

/// What the gate decided for the current browser.
#[derive(Debug, Clone, PartialEq)]
pub enum Admission {
    /// The server's render, and until the browser's session has been read.
    Checking,
    /// Signed in with a role that may see the page.
    Admitted(Me),
    /// Signed in, but the page is not for this account.
    NotAllowed,
    /// Nobody is signed in: on the way to the sign-in page.
    SigningIn,
}

/// Checks the stored session against `allowed`; sends a signed-out visitor to sign in.
pub fn admit(allowed: impl Fn(&Me) -> bool) -> Admission {
    match session::load() {
        None => {
            let _ = window().location().assign(&with_next("/sign-in", &here()));
            Admission::SigningIn
        }
        Some(s) if allowed(&s.user) => Admission::Admitted(s.user),
        Some(_) => Admission::NotAllowed,
    }
}

/// Marketplace admins and analysts.
pub fn staff(me: &Me) -> bool {
    matches!(me.role, UserRole::Admin | UserRole::Analyst)
}

/// Marketplace admins.
pub fn admin(me: &Me) -> bool {
    me.role == UserRole::Admin
}

/// Members of the partner (and marketplace admins, who act for any partner).
pub fn member_of(me: &Me, partner: &str) -> bool {
    admin(me) || me.partners.iter().any(|m| m.partner_slug == partner)
}

#[component]
pub fn NotAllowed(
    /// Who the page is for ("marketplace admins and analysts").
    audience: &'static str,
) -> impl IntoView {
    view! {
        <div class="not-allowed" role="alert">
            <h2>"You don’t have access to this page"</h2>
            <p>{format!("This page is for {audience}. Your account can’t open it.")}</p>
            <p>
                <a href="/">"Back to the marketplace"</a>
                " · If you think this is a mistake, ask a marketplace admin to change your role."
            </p>
        </div>
    }
}
