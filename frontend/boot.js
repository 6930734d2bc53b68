// Starts the web app: loads the wasm-bindgen module that `cargo xtask build-web` puts in /pkg/
// (an external file, not an inline script, so the server's Content-Security-Policy can stay
// `script-src 'self'`).
//
// Under `trunk serve` Trunk replaces the `<link data-trunk rel="rust">` in index.html with its
// own loader; the link is then gone and this script does nothing.
if (document.querySelector('link[data-trunk][rel="rust"]')) {
  const { default: init } = await import('/pkg/mercato_frontend.js');
  await init();
}
