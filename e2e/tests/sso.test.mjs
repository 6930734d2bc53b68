// Single sign-on in the browser against a real OpenID Connect provider (e2e/sso-provider.mjs,
// started by `cargo xtask test` next to the server, which is configured with it as "Corp ID"):
// "Continue with Corp ID" → the provider → back signed in where the visitor was going; the
// account page shows the linked sign-in; a refused sign-on is explained on the sign-in page.
// The provider signs in whoever the test names: the test adds that to the provider's
// /authorize request in the browser (the server under test never sees it).

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { ARTIFACTS, BASE_URL, hydrated, launchBrowser, openPage } from './helpers.mjs';

const T = { timeout: 60_000 };

/// Makes the provider sign in `person` (its claims as query parameters of /authorize).
async function asPerson(page, person) {
  await page.route('**/authorize?**', (route) => {
    const url = new URL(route.request().url());
    for (const [k, v] of Object.entries(person)) url.searchParams.set(k, v);
    return route.continue({ url: url.toString() });
  });
}

describe('single sign-on', { timeout: 180_000 }, () => {
  let browser;

  before(async () => {
    browser = await launchBrowser();
    await mkdir(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
  });

  test('a visitor continues with their identity provider and comes back signed in', T, async () => {
    const email = `sso-${Date.now()}@corp.example`;
    const { page, problems } = await openPage(browser.context, '/sign-in?next=%2Fsearch');
    await asPerson(page, { sub: email, email, name: 'Sam Single' });
    await hydrated(page);
    await page.screenshot({ path: `${ARTIFACTS}/sso-sign-in.png` });
    await page.getByRole('button', { name: 'Continue with Corp ID' }).click();
    await page.waitForURL(`${BASE_URL}/search`);
    await hydrated(page);
    // Signed in: the header names the account and leads to its page.
    const name = page.getByRole('link', { name: 'Sam Single' });
    await name.waitFor();
    await name.click();
    await page.waitForURL(`${BASE_URL}/account`);
    const identity = page.locator('.identity');
    await identity.waitFor();
    assert.match(await identity.innerText(), /Corp ID/);
    assert.match(await identity.innerText(), new RegExp(email.replace('.', '\\.')));
    assert.deepEqual(problems, [], 'the whole sign-in went without errors');
    // The only way this account signs in cannot be unlinked; the page says why.
    await page.getByRole('button', { name: 'Unlink Corp ID' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /only way to sign in/);
    await page.screenshot({ path: `${ARTIFACTS}/sso-account.png` });
  });

  test('a refused sign-on is explained on the sign-in page', T, async () => {
    const { page } = await openPage(browser.context, '/sign-in');
    const email = `unverified-${Date.now()}@corp.example`;
    await asPerson(page, { sub: email, email, email_verified: 'false' });
    await hydrated(page);
    await page.getByRole('button', { name: 'Continue with Corp ID' }).click();
    await page.waitForURL(/\/sign-in\?sso_error=email_unverified/);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /not verified your email/);
  });
});
