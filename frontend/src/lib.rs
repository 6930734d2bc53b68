//! The Mercato web app: leptos components and pages.
//!
//! The backend renders every public page on the server with these components (feature `ssr`,
//! see [`ssr`]), so pages arrive complete and readable without JavaScript. The interactive
//! parts are [`islands`]: `cargo xtask build-web` compiles this crate for
//! `wasm32-unknown-unknown` with the `hydrate` feature, and the browser hydrates each island
//! where the server rendered it (`boot.js` finds them and calls their entry points).
//!
//! The consoles ([`portal`]: analyst view, partner portal, admin console) are for signed-in
//! users and need no SEO: the server sends their frame, and each console has a bundle of its
//! own (features `console-*`) that renders it in the browser ([`mount`]), without the
//! hydration machinery, so no page downloads another page's code.
//!
//! Layout: [`api`] is the typed HTTP client (one function per endpoint, using the
//! `mercato-shared` types), [`session`] the signed-in session kept in the browser, [`layout`]
//! the frame of every page, [`pages`] one module per page, [`components`] the static pieces
//! pages share, [`islands`] the interactive ones.

// leptos views are deeply nested types; the home page (with its hero search island) needs more
// than the default 128 to compute their layout.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod islands;
pub mod layout;
pub mod pages;
pub mod portal;
pub mod session;
#[cfg(feature = "ssr")]
pub mod ssr;

/// Entry point of the browser bundle: sets up the reactive runtime for islands. `boot.js`
/// calls it once the module is instantiated, then hydrates each `<leptos-island>` with the
/// function of the same name that the `#[island]` macro exports.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_islands();
}

/// Entry point of a console's bundle: renders the console (and the account menu) in the
/// browser, in place of the server's frame.
#[cfg(feature = "csr")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn mount() {
    portal::mount();
}
