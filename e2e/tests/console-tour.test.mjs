// Every page of the partner portal and the admin console opens cleanly for its users (no
// console errors, no failed requests), works at phone width, and its main action works:
// registering a deal (after a field error), adding a webhook endpoint (secret shown once),
// creating a category, curating the home page's staff picks, finding a refused sign-in in the
// audit log, editing the routing rules, shipping a requested integration, changing a tier.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { ARTIFACTS, BASE_URL, DEMO, apiGet, eventually, hydrated, launchBrowser, openPage, signIn } from './helpers.mjs';

const T = { timeout: 120_000 };
const PARTNER = '/partner/northwind-labs';

async function openAs(browser, account, path, options) {
  const { page, problems } = await openPage(browser.context, path, options);
  await hydrated(page);
  if (new URL(page.url()).pathname === '/sign-in') {
    await signIn(page, ...account);
    await page.waitForURL((url) => url.pathname === path);
  }
  await hydrated(page);
  return { page, problems };
}

function apiProblems(problems, allowed = []) {
  return problems.filter((p) => p.includes(BASE_URL) && !allowed.some((a) => p.includes(a)));
}

describe('console tour', { timeout: 600_000 }, () => {
  let partner;
  let admin;
  const stamp = Date.now().toString(36);

  before(async () => {
    [partner, admin] = await Promise.all([launchBrowser(), launchBrowser()]);
    await mkdir(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await Promise.all([partner?.close(), admin?.close()]);
  });

  test('every partner portal page opens cleanly', T, async () => {
    for (const [path, heading] of [
      [PARTNER, 'Listings'],
      [`${PARTNER}/leads`, 'Leads'],
      [`${PARTNER}/deals`, 'Deal registrations'],
      [`${PARTNER}/api-keys`, 'API keys'],
      [`${PARTNER}/webhooks`, 'Webhooks'],
      [`${PARTNER}/profile`, 'Profile & members'],
      [`${PARTNER}/listings/northwind-invoice-sync`, 'Invoice Sync for Slack'],
    ]) {
      const { page, problems } = await openAs(partner, DEMO.partner, path);
      await page.getByRole('heading', { level: 1 }).filter({ hasText: heading }).first().waitFor();
      // The current section is marked in the navigation.
      const current = page.getByRole('navigation', { name: 'Partner portal' }).locator('[aria-current="page"]');
      assert.equal(await current.count(), 1, path);
      assert.deepEqual(apiProblems(problems), [], path);
      await page.close();
    }
  });

  test('the portal works at phone width', T, async () => {
    const { page } = await openAs(partner, DEMO.partner, `${PARTNER}/leads`, { viewport: { width: 390, height: 844 } });
    await page.getByRole('heading', { name: 'Leads', level: 1 }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling (overflow ${overflow}px)`);
    await page.screenshot({ path: `${ARTIFACTS}/portal-phone.png`, fullPage: true });
    await page.close();
  });

  test('a partner registers a deal after fixing a field', T, async () => {
    const { page, problems } = await openAs(partner, DEMO.partner, `${PARTNER}/deals`);
    await page.getByText('Register a deal').click();
    await page.getByLabel('Account name').fill(`Globex ${stamp}`);
    await page.getByLabel('Account domain').fill('not a domain');
    await page.getByLabel('Value in dollars').fill('48000');
    const close = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Expected close').fill(close);
    await page.getByRole('button', { name: 'Register deal' }).click();
    await eventually('the domain refused', async () =>
      (await page.getByLabel('Account domain').getAttribute('aria-invalid')) === 'true');
    await page.getByLabel('Account domain').fill(`globex-${stamp}.example`);
    await page.getByRole('button', { name: 'Register deal' }).click();
    const row = page.getByRole('row').filter({ hasText: `Globex ${stamp}` });
    await row.waitFor();
    assert.match(await row.textContent(), /\$48,000/);
    assert.deepEqual(apiProblems(problems, ['/deal-registrations']), []);
    await page.close();
  });

  test('a partner adds a webhook endpoint and sees its secret once', T, async () => {
    const { page } = await openAs(partner, DEMO.partner, `${PARTNER}/webhooks`);
    await page.getByText('Add an endpoint').click();
    await page.getByLabel('Endpoint URL').fill(`https://hooks-${stamp}.example.com/mercato`);
    await page.getByLabel('install.created').check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = page.getByLabel('Secret');
    await secret.waitFor();
    assert.ok((await secret.inputValue()).length >= 24);
    await page.getByRole('heading', { name: `https://hooks-${stamp}.example.com/mercato` }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/webhooks.png`, fullPage: true });
    await page.close();
  });

  test('every admin console page opens cleanly', T, async () => {
    for (const [path, heading] of [
      ['/admin', 'Review queue'],
      ['/admin/partners', 'Partners'],
      ['/admin/catalog', 'Categories & collections'],
      ['/admin/routing', 'Lead routing'],
      ['/admin/demand', 'Demand board'],
      ['/admin/audit', 'Audit log'],
    ]) {
      const { page, problems } = await openAs(admin, DEMO.admin, path);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      assert.deepEqual(apiProblems(problems), [], path);
      await page.screenshot({ path: `${ARTIFACTS}/admin${path.replace('/admin', '').replace('/', '-') || '-queue'}.png`, fullPage: true });
      await page.close();
    }
  });

  test('an admin curates the catalogue: a category, and a staff pick that the home page shows', T, async () => {
    const { page, problems } = await openAs(admin, DEMO.admin, '/admin/catalog');
    await page.getByText('Add a category').click();
    await page.getByLabel('Address', { exact: true }).fill(`payroll-${stamp}`);
    await page.getByLabel('Name', { exact: true }).last().fill(`Payroll ${stamp}`);
    await page.getByRole('button', { name: 'Add category' }).click();
    await page.getByText(`/payroll-${stamp} · 0 listings`).waitFor();
    const categories = await apiGet('/api/v1/categories?limit=100');
    assert.ok(categories.items.some((c) => c.slug === `payroll-${stamp}`));

    // The demo's staff picks are in the collection; one more goes in and shows on the home page.
    const picks = page.getByRole('region', { name: 'Staff picks' });
    await picks.getByRole('link', { name: 'Invoice Sync for Slack' }).waitFor();
    await picks.getByLabel('Add a listing by its address').fill('tidewater-duplicate-guard');
    await picks.getByRole('button', { name: 'Add' }).click();
    await picks.getByRole('link', { name: 'tidewater-duplicate-guard' }).waitFor();
    await eventually('the new staff pick on the home page', async () => {
      const html = await (await fetch(`${BASE_URL}/`)).text();
      const featured = html.slice(html.indexOf('Staff picks'), html.indexOf('Popular integrations'));
      return featured.includes('/integrations/tidewater-duplicate-guard');
    });
    assert.deepEqual(apiProblems(problems), []);
    await page.close();
  });

  test('a refused sign-in is in the audit log, found by its action', T, async () => {
    const email = `intruder-${stamp}@example.com`;
    const refused = await fetch(`${BASE_URL}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'not the password' }),
    });
    assert.equal(refused.status, 401);
    const { page, problems } = await openAs(admin, DEMO.admin, '/admin/audit');
    await page.getByLabel('Action').selectOption('sign_in_failed');
    const row = page.getByRole('row').filter({ hasText: email });
    await row.waitFor();
    assert.match(await row.textContent(), /Sign in failed/);
    assert.deepEqual(apiProblems(problems), []);
    await page.close();
  });

  test('an admin changes the routing SLA, ships a request and changes a tier', T, async () => {
    const { page: routing } = await openAs(admin, DEMO.admin, '/admin/routing');
    await routing.getByLabel('Hours partners have to answer a lead').fill('36');
    await routing.getByRole('button', { name: 'Save rules' }).click();
    await routing.getByText('Saved. New leads route by these rules.').waitFor();
    await routing.close();

    const { page: demand } = await openAs(admin, DEMO.admin, '/admin/demand');
    await demand.getByRole('figure', { name: 'Most requested' }).waitFor();
    const open = demand.getByRole('region', { name: 'Open requests' }).getByRole('listitem');
    if ((await open.count()) > 0) {
      const first = open.first();
      await first.getByLabel('Shipped as listing (address)').fill('no-such-listing');
      await first.getByRole('button', { name: 'Mark shipped' }).click();
      await first.getByRole('alert').waitFor();
      await first.getByLabel('Shipped as listing (address)').fill('northwind-invoice-sync');
      await first.getByRole('button', { name: 'Mark shipped' }).click();
      await demand.getByRole('region', { name: 'Shipped' }).getByRole('link', { name: 'northwind-invoice-sync' }).first().waitFor();
    }
    await demand.close();

    const { page: partners } = await openAs(admin, DEMO.admin, '/admin/partners');
    await partners.getByRole('button', { name: 'Active' }).click();
    const northwind = partners.getByRole('listitem').filter({ has: partners.getByRole('heading', { name: 'Northwind Labs' }) });
    await northwind.getByLabel('Tier').selectOption('premier');
    await eventually('the new tier', async () => (await apiGet('/api/v1/partners/northwind-labs')).tier === 'premier');
    await partners.close();
  });
});
