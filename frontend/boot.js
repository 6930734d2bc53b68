// Makes the server-rendered page interactive: loads the WASM bundle that `cargo xtask
// build-web` puts in /pkg/, sets up leptos's islands runtime, then hydrates each
// `<leptos-island>` in document order with the function of the same name the bundle exports
// (nested islands after their parent). An external module, not an inline script, so the
// server's Content-Security-Policy stays `script-src 'self'`.
//
// Console pages (`<html data-bundle="portal">`) load the portal bundle, which holds the public
// islands too; other pages load the smaller public one.
const islands = document.getElementsByTagName('leptos-island');
if (islands.length > 0) {
  const name = document.documentElement.dataset.bundle === 'portal' ? 'mercato_portal' : 'mercato_frontend';
  const bundle = await import(`/pkg/${name}.js`);
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
