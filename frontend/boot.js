// Makes the server-rendered page interactive. An external module, not an inline script, so
// the server's Content-Security-Policy stays `script-src 'self'`.
//
// Public pages: loads the WASM bundle that `cargo xtask build-web` puts in /pkg/, sets up
// leptos's islands runtime, then hydrates each `<leptos-island>` in document order with the
// function of the same name the bundle exports (nested islands after their parent).
//
// Console pages (`<html data-bundle="partner">` and so on) load their console's bundle, which
// renders the console and the account menu in place of the server's frame. It leaves out the
// other public islands, whose server render works without JavaScript (the header's search box
// is then a plain search form).
const console_ = document.documentElement.dataset.bundle;
const islands = document.getElementsByTagName('leptos-island');
if (console_) {
  const bundle = await import(`/pkg/mercato_${console_}.js`);
  await bundle.default();
  bundle.mount();
  document.documentElement.dataset.hydrated = 'true';
} else if (islands.length > 0) {
  const bundle = await import('/pkg/mercato_frontend.js');
  await bundle.default();
  bundle.hydrate();
  for (const island of Array.from(islands)) {
    const hydrateIsland = bundle[island.dataset.component];
    if (typeof hydrateIsland === 'function') {
      hydrateIsland(island);
    } else {
      console.warn(`Mercato: no code for the island ${island.dataset.component}`);
    }
  }
  document.documentElement.dataset.hydrated = 'true';
}
