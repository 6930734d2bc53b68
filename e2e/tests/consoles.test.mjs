// The consoles for signed-in staff: the analyst view's charts, and who may not open it. Uses the
// demo accounts that `mercato seed-demo` creates.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import {
  ARTIFACTS,
  BASE_URL,
  api,
  hydrated,
  launchBrowser,
  login,
  openPage,
  signIn,
} from './helpers.mjs';

const T = { timeout: 60_000 };

/// The listing's MAU in the adoption ranking now (0 when it is not ranked).
async function mauOf(token, listing) {
  const ranking = await api('GET', '/api/v1/analytics/adoption?limit=1000', token);
  return ranking.rows.find((r) => r.listing === listing)?.mau ?? 0;
}

/// Real usage through the API: the demo customer installs a Northwind listing in a new
/// workspace, Northwind reports an event for it with a partner API key, and the roll-ups count
/// it (polled, not slept). The demo already has usage, so the proof is the listing's MAU growing
/// by exactly that one workspace.
async function seedUsage() {
  const listing = 'northwind-invoice-sync';
  const analyst = await login('analyst@mercato.example', 'mercato-analyst-demo');
  const before = await mauOf(analyst, listing);
  const customer = await login('customer@acme.example', 'mercato-customer-demo');
  const workspace = await api('POST', '/api/v1/workspaces', customer, { name: `Analytics ${Date.now()}` });
  await api('POST', `/api/v1/workspaces/${workspace.id}/installs`, customer, { listing });
  const partner = await login('partner@northwind-labs.example', 'mercato-partner-demo');
  const { secret } = await api('POST', '/api/v1/partners/northwind-labs/api-keys', partner, { name: 'e2e usage' });
  const occurred_at = new Date(Date.now() - 3_600_000).toISOString();
  await api('POST', '/api/v1/usage', secret, {
    events: [{ workspace: workspace.id, listing, occurred_at, kind: 'sync' }],
  }, { 'idempotency-key': `e2e-${Date.now()}` });
  for (let i = 0; i < 60; i++) {
    const mau = await mauOf(analyst, listing);
    if (mau === before + 1) return;
    assert.ok(mau <= before + 1, `MAU grew by more than the one new workspace: ${before} → ${mau}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the usage never reached the roll-ups');
}

describe('consoles', { timeout: 180_000 }, () => {
  let browser;

  before(async () => {
    browser = await launchBrowser();
    await seedUsage();
    await mkdir(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
  });

  test('a signed-out visitor is sent to sign in, and an analyst comes back to the charts', T, async () => {
    const { page, problems } = await openPage(browser.context, '/analytics');
    await page.waitForURL((url) => url.pathname === '/sign-in');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/analytics');
    await signIn(page, 'analyst@mercato.example', 'mercato-analyst-demo');
    await page.waitForURL(`${BASE_URL}/analytics`);
    await hydrated(page);

    const mau = page.getByRole('figure', { name: 'Monthly active workspaces' });
    await mau.waitFor();
    const bars = mau.locator('svg [role="img"]');
    assert.ok((await bars.count()) > 0, 'the listing with usage is ranked');
    assert.ok(
      (await mau.locator('svg').getAttribute('aria-label')) === 'Monthly active workspaces',
      'the chart is named',
    );
    // Every bar says what it is and its value, on hover (title) and to assistive technology.
    const label = await bars.first().getAttribute('aria-label');
    assert.match(label, /^.+: [\d,]+$/);
    assert.equal(await bars.first().locator('title').textContent(), label);
    // Keyboard users reach the bars.
    await bars.first().focus();
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), label);
    // The same data as a table.
    await mau.getByText('Show the data as a table').click();
    assert.ok((await mau.getByRole('row').count()) > 1);
    await page.getByRole('figure', { name: 'Churn rate' }).waitFor();
    // Partner scorecards: a chart of the pipeline each partner sourced, and the full table.
    await page.getByRole('figure', { name: 'Sourced pipeline' }).waitFor();
    const scorecards = page.getByRole('table', { name: 'Scorecards' });
    assert.ok((await scorecards.getByRole('row').count()) > 1, 'a scorecard per partner');
    await page.screenshot({ path: `${ARTIFACTS}/analytics.png`, fullPage: true });
    assert.deepEqual(problems.filter((p) => p.includes(BASE_URL)), []);
    await page.close();
  });

  test('a customer is told the page is not for them, and the API refuses too', T, async () => {
    const { page } = await openPage(browser.context, '/sign-in?next=%2Fanalytics');
    await signIn(page, 'customer@acme.example', 'mercato-customer-demo');
    await page.waitForURL(`${BASE_URL}/analytics`);
    await page.getByRole('heading', { name: 'You don’t have access to this page' }).waitFor();
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem('mercato.session')).access_token);
    const refused = await fetch(`${BASE_URL}/api/v1/analytics/adoption`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(refused.status, 403);
    assert.equal((await refused.json()).code, 'forbidden');
    await page.close();
  });
});
