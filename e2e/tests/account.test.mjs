// The interactive parts, once the WASM has hydrated the page's islands: search suggestions by
// keyboard, and a customer's whole journey — sign up, create a workspace, install (sent to the
// partner's install URL with a signed token), review, uninstall, sign out. Expected content
// comes from the API under test.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { BASE_URL, apiGet, apiGetAs, hydrated, launchBrowser, openPage } from './helpers.mjs';

const T = { timeout: 60_000 };
const ARTIFACTS = process.env.MERCATO_E2E_ARTIFACTS ?? new URL('../artifacts/', import.meta.url).pathname;

/// The session the web app keeps in the browser.
async function session(page) {
  return page.evaluate(() => JSON.parse(localStorage.getItem('mercato.session') ?? 'null'));
}

describe('accounts, installs and reviews', { timeout: 240_000 }, () => {
  let browser;
  let listing;

  before(async () => {
    browser = await launchBrowser();
    const page = await apiGet('/api/v1/listings?limit=50');
    for (const summary of page.items) {
      const full = await apiGet(`/api/v1/listings/${summary.slug}`);
      if (full.install_url) {
        listing = full;
        break;
      }
    }
    assert.ok(listing, 'the demo data should publish a listing with an install URL');
    await mkdir(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
  });

  test('suggestions appear while typing and the keyboard opens one', T, async () => {
    const { page, problems } = await openPage(browser.context);
    await hydrated(page);
    const box = page.getByRole('combobox', { name: 'Search integrations', exact: true });
    const prefix = listing.name.split(/\s+/)[0].slice(0, 4);
    await box.fill(prefix);
    const options = page.locator('#site-search-suggestions [role="option"]');
    await options.first().waitFor();
    assert.equal(await box.getAttribute('aria-expanded'), 'true');
    assert.ok((await options.count()) <= 6);
    await page.screenshot({ path: `${ARTIFACTS}/suggestions.png` });

    // Arrow keys move the active option (announced through aria-activedescendant), Escape
    // closes the list, Enter on an option opens it.
    await box.press('ArrowDown');
    const first = await options.first().getAttribute('id');
    assert.equal(await box.getAttribute('aria-activedescendant'), first);
    assert.equal(await options.first().getAttribute('aria-selected'), 'true');
    await box.press('Escape');
    assert.equal(await box.getAttribute('aria-expanded'), 'false');
    await box.press('ArrowDown');
    const href = await options.first().locator('a').getAttribute('href');
    await Promise.all([page.waitForURL((url) => url.href === BASE_URL + href), box.press('Enter')]);
    assert.deepEqual(problems.filter((p) => p.includes(BASE_URL)), []);
    await page.close();
  });

  test('a customer signs up, installs, reviews and uninstalls', T, async () => {
    const { page, problems } = await openPage(browser.context, `/integrations/${listing.slug}`);
    // The partner's install URL is elsewhere: answer it here, to see what arrives there.
    const installOrigin = new URL(listing.install_url).origin;
    await page.route(`${installOrigin}/**`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Partner</title><h1>Partner setup</h1>' }),
    );
    await hydrated(page);

    // Not signed in: Install leads to sign-in, and on to sign-up, keeping the way back.
    const panel = page.getByRole('region', { name: 'Install' });
    await panel.getByRole('link', { name: 'Install' }).click();
    await page.waitForURL((url) => url.pathname === '/sign-in');
    await page.getByRole('main').getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL((url) => url.pathname === '/sign-up');
    assert.equal(new URL(page.url()).searchParams.get('next'), `/integrations/${listing.slug}#install`);
    await hydrated(page);

    // Refused input: the API's messages appear at their fields.
    await page.getByRole('button', { name: 'Create account' }).click();
    const email = page.getByLabel('Work email');
    await page.waitForSelector('#auth-email[aria-invalid="true"]');
    assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true');
    assert.ok(await page.locator('#auth-password-error').isVisible());
    await page.screenshot({ path: `${ARTIFACTS}/sign-up-errors.png` });

    const address = `buyer-${Date.now()}@customer.example`;
    await page.getByLabel('Your name').fill('Robin Buyer');
    await email.fill(address);
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL((url) => url.pathname === `/integrations/${listing.slug}`);
    await hydrated(page);
    const signedIn = await session(page);
    assert.equal(signedIn.user.email, address);
    assert.ok(await page.getByRole('navigation', { name: 'Account' }).getByText('Robin Buyer').isVisible());

    // No workspace yet: name one, install, and land on the partner's install URL with a token.
    const workspaceName = page.getByLabel('New workspace name');
    await workspaceName.waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/install-panel.png` });
    await Promise.all([
      page.waitForURL((url) => url.origin === installOrigin),
      (async () => {
        await workspaceName.fill('Robin Co');
        await panel.getByRole('button', { name: `Install ${listing.name}` }).click();
      })(),
    ]);
    const arrived = new URL(page.url());
    const token = arrived.searchParams.get('mercato_install_token');
    assert.ok(token && token.split('.').length === 3, `a JWT install token in ${arrived}`);
    assert.equal(arrived.pathname, new URL(listing.install_url).pathname);
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    const [workspace] = await apiGetAs(signedIn.access_token, '/api/v1/workspaces');
    assert.equal(workspace.name, 'Robin Co');
    const installs = await apiGetAs(signedIn.access_token, `/api/v1/workspaces/${workspace.id}/installs`);
    assert.equal(installs.length, 1);
    assert.equal(installs[0].listing, listing.slug);
    assert.equal(claims.listing, listing.slug);
    assert.equal(claims.workspace_id, workspace.id);
    assert.equal(claims.install_id, installs[0].id);
    assert.equal(claims.aud, listing.partner.slug);

    // Back on the listing: installed, with the review form.
    await page.goto(`${BASE_URL}/integrations/${listing.slug}#install`);
    await hydrated(page);
    await panel.getByText('Installed in').waitFor();
    assert.ok((await panel.textContent()).includes('Robin Co'));

    const reviewForm = page.locator('form.review-form');
    await reviewForm.getByRole('button', { name: 'Publish review' }).click();
    await page.waitForSelector('#review-rating-error');
    await reviewForm.getByLabel('4 stars').check();
    const words = 'Invoices show up in the right channel within a minute. Setup took five minutes.';
    await reviewForm.getByLabel('Your review').fill(words);
    await reviewForm.getByRole('button', { name: 'Publish review' }).click();
    await panel.getByText('Thank you — your review is published.').waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/reviewed.png`, fullPage: true });
    const reviews = await apiGet(`/api/v1/listings/${listing.slug}/reviews`);
    const mine = reviews.items.find((r) => r.body === words);
    assert.ok(mine, 'the review is published');
    assert.equal(mine.rating, 4);
    assert.equal(mine.workspace_name, 'Robin Co');
    // Server-rendered with the page (a fresh URL: the page itself is briefly cacheable).
    await page.goto(`${BASE_URL}/integrations/${listing.slug}?fresh=${Date.now()}`);
    assert.ok((await page.getByRole('region', { name: 'Reviews' }).textContent()).includes(words));

    // Uninstall asks once more, then the listing can be installed again.
    await hydrated(page);
    await panel.getByRole('button', { name: 'Uninstall' }).click();
    await panel.getByRole('button', { name: 'Confirm uninstall' }).click();
    await panel.getByRole('button', { name: `Install ${listing.name}` }).waitFor();
    const after = await apiGetAs(signedIn.access_token, `/api/v1/workspaces/${workspace.id}/installs`);
    assert.equal(after[0].active, false);

    // Signing out ends the session here and on the server.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Sign in' }).waitFor();
    assert.equal(await session(page), null);
    const refresh = await fetch(`${BASE_URL}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: signedIn.refresh_token }),
    });
    assert.equal(refresh.status, 401);
    assert.deepEqual(
      problems.filter((p) => p.includes(BASE_URL) && !/HTTP 422/.test(p) && !/HTTP 401/.test(p)),
      [],
    );
    await page.close();
  });

  test('a wrong password is refused with a clear message', T, async () => {
    const { page } = await openPage(browser.context, '/sign-in');
    await hydrated(page);
    await page.getByLabel('Work email').fill('nobody@customer.example');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('main').getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /Email or password is wrong/);
    assert.equal(await session(page), null);
    await page.close();
  });

  test('hydrating moves nothing on the page', T, async () => {
    const { page } = await openPage(browser.context, `/integrations/${listing.slug}`);
    await hydrated(page);
    await page.waitForLoadState('networkidle');
    const shift = await page.evaluate(
      () =>
        new Promise((resolve) => {
          new PerformanceObserver((list) => {
            resolve(list.getEntries().reduce((sum, e) => sum + (e.hadRecentInput ? 0 : e.value), 0));
          }).observe({ type: 'layout-shift', buffered: true });
          setTimeout(() => resolve(0), 500);
        }),
    );
    assert.ok(shift < 0.01, `cumulative layout shift ${shift}`);
    await page.close();
  });
});
