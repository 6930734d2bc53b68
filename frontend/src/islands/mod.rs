//! The interactive parts of the server-rendered pages ("islands"): each is rendered on the
//! server with the rest of the page, then hydrated in the browser by the WASM bundle, which
//! holds only these components. Everything else on a page stays plain HTML.

mod account_menu;
mod auth_form;
mod fields;
mod install_panel;
mod search_box;
mod sso;

pub use account_menu::{here, with_next, AccountMenu};
pub use auth_form::AuthForm;
pub use fields::{field_error, start_submit, Failure, FormProblem, TextField};
pub use install_panel::{stars, InstallPanel};
pub use search_box::SearchBox;
pub use sso::{LinkedSignIns, SsoButtons, SsoComplete};
