//! The Mercato web app: leptos components and pages, compiled to WebAssembly.
//!
//! Today the app is client-side rendered (feature `csr`): `cargo xtask build-web` compiles this
//! crate for `wasm32-unknown-unknown`, runs wasm-bindgen on it and puts the bundle under
//! `frontend/dist/pkg/`, which the backend serves next to `index.html` and `style.css`.
//! The `hydrate` and `ssr` features are there for server-side rendering with hydration.
//!
//! Layout: [`api`] is the typed HTTP client (one function per endpoint, using the
//! `mercato-shared` types), [`app`] the shell (header, main, footer), [`pages`] one module per
//! page, [`components`] the pieces pages share.

pub mod api;
pub mod app;
pub mod components;
pub mod layout;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use app::App;

/// Entry point of the client-side rendered bundle: wasm-bindgen runs it once the module is
/// instantiated.
#[cfg(feature = "csr")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(App);
}

/// Entry point of the hydrating bundle, for pages the server rendered.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_body(App);
}
