// The partner portal and the admin console, driven as their users drive them: a partner
// writes a listing in the editor and submits it, an admin reviews it (diff, request changes,
// approve) and it becomes searchable; a customer's install shows in the partner's analytics
// chart; a lead waits in the inbox with its SLA countdown and is accepted; an API key is shown
// once; customers are kept out of both consoles, in the page and in the API.
//
// Each user has a browser of their own (sessions live in the browser's localStorage).

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import {
  ARTIFACTS,
  BASE_URL,
  DEMO,
  api,
  eventually,
  hydrated,
  launchBrowser,
  login,
  openPage,
  signIn,
} from './helpers.mjs';

const T = { timeout: 90_000 };
const PARTNER = '/partner/northwind-labs';

/// Opens `path` as `account` (signing in on the way there when the browser has no session).
async function openAs(browser, account, path) {
  const { page, problems } = await openPage(browser.context, path);
  await hydrated(page);
  if (new URL(page.url()).pathname === '/sign-in') {
    await signIn(page, ...account);
    await page.waitForURL((url) => url.pathname + url.search === path);
  }
  await hydrated(page);
  return { page, problems };
}

/// The API problems a page met, other than the ones a test provoked on purpose.
function unexpected(problems, allowed = []) {
  return problems.filter((p) => p.includes(BASE_URL) && !allowed.some((a) => p.includes(a)));
}

describe('partner portal and admin console', { timeout: 600_000 }, () => {
  let partnerBrowser;
  let adminBrowser;
  let customerBrowser;
  const stamp = Date.now().toString(36);
  const name = `Ledger Bridge ${stamp}`;
  const slug = `ledger-bridge-${stamp}`;

  before(async () => {
    [partnerBrowser, adminBrowser, customerBrowser] = await Promise.all([
      launchBrowser(),
      launchBrowser(),
      launchBrowser(),
    ]);
    await mkdir(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await Promise.all([partnerBrowser?.close(), adminBrowser?.close(), customerBrowser?.close()]);
  });

  test('a partner creates a listing, fixes what the API refuses, and submits it', T, async () => {
    const { page, problems } = await openAs(partnerBrowser, DEMO.partner, `${PARTNER}/listings/new`);
    await page.getByRole('heading', { name: 'New listing' }).waitFor();
    await page.getByLabel('Name (required)').fill(name);
    // The address follows the name until the partner types one.
    assert.equal(await page.getByLabel('Address (required)').inputValue(), slug);
    await page.getByLabel('Tagline (required)').fill('Post every invoice to the ledger the moment it is paid');
    await page.getByLabel('Description (Markdown)').fill('## What it does\n\nKeeps **the ledger** in step with billing.');
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByRole('region', { name: 'Description preview' });
    await preview.getByRole('heading', { name: 'What it does' }).waitFor();
    assert.equal(await preview.locator('strong').textContent(), 'the ledger');
    await page.getByRole('button', { name: 'Write' }).click();
    await page.getByRole('button', { name: 'Add a use case' }).click();
    await page.getByLabel('Use case 1', { exact: true }).fill('sync paid invoices to the ledger');
    await page.getByRole('button', { name: 'Add a screenshot' }).click();
    await page.getByLabel('Screenshot 1 image URL').fill('not a link');
    await page.getByLabel('Screenshot 1 description (alt text)').fill('The ledger view');

    // A bad field: the API's message sits at the field and in the summary above the form.
    await page.getByRole('button', { name: 'Create draft' }).click();
    const summary = page.getByRole('alert').filter({ hasText: 'to fix before this can be saved' });
    await summary.waitFor();
    const url = page.getByLabel('Screenshot 1 image URL');
    await eventually('the field to be marked invalid', async () => (await url.getAttribute('aria-invalid')) === 'true');
    await page.screenshot({ path: `${ARTIFACTS}/editor-errors.png`, fullPage: true });
    assert.match(await summary.textContent(), /Screenshot 1 image URL: Must be an absolute/);

    await url.fill('https://images.example.com/ledger.png');
    await page.getByRole('button', { name: 'Create draft' }).click();
    await page.waitForURL(`${BASE_URL}${PARTNER}/listings/${slug}`);
    await hydrated(page);
    await page.getByRole('heading', { name }).waitFor();
    await page.getByText('Draft', { exact: true }).first().waitFor();

    // Submitting needs an install URL and a category: the API says so at those fields.
    await page.getByRole('button', { name: 'Submit for review' }).click();
    await page.getByText('Give the URL where customers install the integration.', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'Install URL: Give the URL where customers install the integration.' }).waitFor();
    assert.equal(await page.getByLabel('Install URL').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Install URL').fill('https://ledger.example.com/install');
    await page.getByLabel('Finance').check();
    await page.getByRole('button', { name: 'Submit for review' }).click();
    await page.getByText('Submitted for review.').waitFor();
    await page.getByText('In review', { exact: true }).first().waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/editor-submitted.png`, fullPage: true });
    assert.deepEqual(unexpected(problems, ['/api/v1/listings']), []);
    await page.close();
  });

  test('an admin reviews the diff and asks for changes; the partner sees the note and resubmits; the admin approves and it is searchable', T, async () => {
    const { page: admin } = await openAs(adminBrowser, DEMO.admin, '/admin');
    await admin.getByRole('heading', { name: 'Review queue' }).waitFor();
    await admin.getByRole('link', { name }).click();
    await admin.waitForURL(`${BASE_URL}/admin/review/${slug}`);
    await hydrated(admin);
    const changes = admin.getByRole('table', { name: 'Fields, published against proposed' });
    await changes.waitFor();
    const tagline = changes.getByRole('row').filter({ hasText: 'Tagline' });
    assert.match(await tagline.textContent(), /Post every invoice to the ledger.*New/);
    const description = admin.getByRole('list', { name: 'Description, line by line' });
    assert.match(await description.textContent(), /Added: ## What it does/);
    await admin.screenshot({ path: `${ARTIFACTS}/admin-review.png`, fullPage: true });

    // A request for changes needs a note.
    await admin.getByRole('button', { name: 'Request changes' }).click();
    await eventually('the note to be required', async () =>
      (await admin.getByLabel('Note to the partner').getAttribute('aria-invalid')) === 'true');
    await admin.getByLabel('Note to the partner').fill('Add a screenshot of the mapping screen.');
    await admin.getByRole('button', { name: 'Request changes' }).click();
    await admin.getByText('Changes requested: the partner sees your note.').waitFor();

    const { page: partner } = await openAs(partnerBrowser, DEMO.partner, `${PARTNER}/listings/${slug}`);
    const note = partner.getByRole('heading', { name: 'Changes requested by the marketplace team' });
    await note.waitFor();
    await partner.locator('.review-note').getByText('Add a screenshot of the mapping screen.').waitFor();
    await partner.getByRole('button', { name: 'Add a screenshot' }).click();
    await partner.getByLabel('Screenshot 2 image URL').fill('https://images.example.com/mapping.png');
    await partner.getByLabel('Screenshot 2 description (alt text)').fill('Mapping accounts to ledger codes');
    await partner.getByRole('button', { name: 'Resubmit for review' }).click();
    await partner.getByText('Submitted for review.').waitFor();

    await admin.goto(`${BASE_URL}/admin/review/${slug}`);
    await hydrated(admin);
    const screenshots = admin.getByRole('row').filter({ hasText: 'Screenshots' });
    assert.match(await screenshots.textContent(), /mapping\.png/);
    await admin.getByRole('button', { name: 'Approve' }).click();
    await admin.getByText('Approved: the listing is live and in search.').waitFor();

    // Live: the public search finds it (the index catches up in the background).
    await eventually('the listing in search', async () => {
      const res = await fetch(`${BASE_URL}/api/v1/search?q=${encodeURIComponent(name)}`);
      return (await res.json()).hits.some((h) => h.slug === slug);
    });
    await admin.goto(`${BASE_URL}/search?q=${encodeURIComponent(name)}`);
    await admin.getByRole('link', { name }).first().waitFor();
    await partner.goto(`${BASE_URL}${PARTNER}/listings/${slug}`);
    await hydrated(partner);
    await partner.getByText('Published', { exact: true }).first().waitFor();
    await partner.close();
    await admin.close();
  });

  test("a customer's install shows in the partner's analytics chart", T, async () => {
    const { page, problems } = await openAs(partnerBrowser, DEMO.partner, `${PARTNER}/listings/northwind-invoice-sync/analytics`);
    const chart = page.getByRole('figure', { name: 'Installs and uninstalls' });
    await chart.waitFor();
    const today = chart.locator('svg .chart__period').last();
    const installsToday = async () => Number((await today.getAttribute('aria-label')).match(/Installs ([\d,]+)/)[1].replace(',', ''));
    const before = await installsToday();

    const customer = await login(...DEMO.customer);
    const workspace = await api('POST', '/api/v1/workspaces', customer, { name: `Portal e2e ${Date.now()}` });
    await api('POST', `/api/v1/workspaces/${workspace.id}/installs`, customer, { listing: 'northwind-invoice-sync' });

    await eventually('the install in the chart', async () => {
      await page.reload();
      await hydrated(page);
      await chart.waitFor();
      return (await installsToday()) === before + 1;
    });
    // The period's value is on hover (title) and on keyboard focus (its accessible name).
    await today.focus();
    const label = await today.getAttribute('aria-label');
    assert.equal(await today.locator('title').textContent(), label);
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), label);
    // The other charts of the page.
    for (const figure of ['Active installs', 'Active workspaces', 'View → click → install', 'Installs by source']) {
      await page.getByRole('figure', { name: figure }).waitFor();
    }
    // A different period asks the API again.
    await page.getByLabel('Period').selectOption('7');
    await eventually('a week of days', async () => (await chart.locator('svg .chart__period').count()) === 7);
    // The CSV download comes from the API with the same period.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV' }).click();
    const file = await download;
    assert.equal(file.suggestedFilename(), 'northwind-invoice-sync-analytics.csv');
    await page.screenshot({ path: `${ARTIFACTS}/listing-analytics.png`, fullPage: true });
    assert.deepEqual(unexpected(problems), []);
    await page.close();
  });

  test('a new lead waits in the inbox with its SLA countdown, and the partner accepts it', T, async () => {
    const company = `Initech ${stamp}`;
    await api('POST', '/api/v1/leads', null, {
      kind: 'intro',
      listing: 'northwind-invoice-sync',
      contact_name: 'Peter Gibbons',
      email: `peter.${stamp}@initech.example`,
      company_name: company,
      company_domain: `initech-${stamp}.example`,
      message: 'We want invoices in Slack before the quarter closes.',
      consent: true,
    });
    const { page, problems } = await openAs(partnerBrowser, DEMO.partner, `${PARTNER}/leads`);
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: company }) });
    await card.waitFor();
    const timer = card.getByRole('timer');
    // The SLA is whatever the routing rules say (another test may have changed it).
    assert.match(await timer.textContent(), /^Answer within (\d+ days? )?\d+ h( \d+ min)?$/);
    await page.screenshot({ path: `${ARTIFACTS}/leads.png`, fullPage: true });
    await card.getByRole('button', { name: 'Accept' }).click();
    await card.getByText('Accepted', { exact: true }).waitFor();
    assert.equal(await card.getByRole('timer').count(), 0, 'no SLA once answered');
    // Next in the pipeline: qualify.
    await card.getByRole('button', { name: 'Qualify' }).waitFor();
    assert.deepEqual(unexpected(problems), []);
    await page.close();
  });

  test('a partner creates an API key and sees its secret once', T, async () => {
    const { page, problems } = await openAs(partnerBrowser, DEMO.partner, `${PARTNER}/api-keys`);
    await page.getByLabel('Key name').fill(`E2E worker ${stamp}`);
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByLabel('Secret');
    await secret.waitFor();
    const value = await secret.inputValue();
    assert.ok(value.length >= 24, 'a real secret');
    const row = page.getByRole('row').filter({ hasText: `E2E worker ${stamp}` });
    await row.waitFor();
    assert.ok(!(await row.textContent()).includes(value), 'the list shows only the prefix');
    // The key works: usage reported with it is accepted.
    const receipt = await api('POST', '/api/v1/usage', value, { events: [] }, { 'idempotency-key': `e2e-key-${stamp}` });
    assert.equal(receipt.accepted, 0);
    await page.screenshot({ path: `${ARTIFACTS}/api-key.png`, fullPage: true });
    await page.reload();
    await hydrated(page);
    await row.waitFor();
    assert.equal(await page.getByLabel('Secret').count(), 0, 'never shown again');
    assert.deepEqual(unexpected(problems), []);
    await page.close();
  });

  test('a customer gets "not allowed" in the portal and the console, and the API refuses the calls', T, async () => {
    for (const path of [PARTNER, `${PARTNER}/leads`, '/admin', '/admin/partners']) {
      const { page } = await openAs(customerBrowser, DEMO.customer, path);
      await page.getByRole('heading', { name: 'You don’t have access to this page' }).waitFor();
      await page.close();
    }
    const token = await login(...DEMO.customer);
    for (const path of [
      '/api/v1/partners/northwind-labs/leads',
      '/api/v1/partners/northwind-labs/api-keys',
      '/api/v1/admin/review-queue',
      '/api/v1/admin/routing-rules',
    ]) {
      const res = await fetch(BASE_URL + path, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 403, path);
      assert.equal((await res.json()).code, 'forbidden', path);
    }
  });
});
