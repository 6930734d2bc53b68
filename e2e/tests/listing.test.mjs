// A listing's page, server-rendered: reached from the home page, complete on arrival, keyboard
// reachable, and kept as a screenshot artifact. Expected content comes from the API under test.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import {
  BASE_URL,
  adminToken,
  apiGet,
  apiGetAs,
  homeRegions,
  launchBrowser,
  openPage,
} from './helpers.mjs';

const T = { timeout: 30_000 };
const ARTIFACTS = process.env.MERCATO_E2E_ARTIFACTS ?? new URL('../artifacts/', import.meta.url).pathname;

describe('listing page', { timeout: 120_000 }, () => {
  let browser;
  let first;

  before(async () => {
    browser = await launchBrowser();
    const summary = (await apiGet('/api/v1/listings?limit=1')).items[0];
    assert.ok(summary, 'the demo data should publish at least one listing');
    first = await apiGet(`/api/v1/listings/${summary.slug}`);
    await mkdir(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
  });

  test('is reached from the home page and shows the listing', T, async () => {
    const { page, problems } = await openPage(browser.context);
    const { popular } = homeRegions(page);
    await popular.getByRole('link', { name: first.name }).first().click();
    await page.waitForURL(`${BASE_URL}/integrations/${first.slug}`);
    assert.equal(
      (await page.getByRole('heading', { level: 1 }).textContent()).trim(),
      first.name,
    );
    assert.ok((await page.locator('main').textContent()).includes(first.tagline));
    assert.equal(
      await page.locator('link[rel="canonical"]').getAttribute('href'),
      `${BASE_URL}/integrations/${first.slug}`,
    );
    assert.match(await page.title(), new RegExp(first.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    const partnerLink = page.getByRole('complementary', { name: 'Details' }).getByRole('link', {
      name: first.partner.name,
    });
    assert.equal(await partnerLink.getAttribute('href'), `/partners/${first.partner.slug}`);
    // Only this server's own requests count: screenshots may live elsewhere.
    const own = problems.filter((p) => p.includes(BASE_URL));
    assert.deepEqual(own, []);
    await page.screenshot({ path: `${ARTIFACTS}/listing.png`, fullPage: true });
    await page.close();
  });

  test('starts with the skip link for keyboard users', T, async () => {
    const { page } = await openPage(browser.context, `/integrations/${first.slug}`);
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
    assert.equal(focused, 'Skip to content');
    await page.close();
  });

  test('fits a phone screen without sideways scrolling', T, async () => {
    const { page } = await openPage(browser.context, `/integrations/${first.slug}`, {
      viewport: { width: 375, height: 740 },
    });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
    await page.screenshot({ path: `${ARTIFACTS}/listing-phone.png`, fullPage: true });
    await page.close();
  });

  test('a visitor asks to talk to an expert and the partner gets the lead', T, async () => {
    const { page } = await openPage(browser.context, `/integrations/${first.slug}`);
    await page.getByRole('link', { name: 'Talk to an expert' }).click();
    const form = page.locator('#contact');
    // Sending it empty shows each error at its field.
    await form.getByRole('button', { name: 'Send request' }).click();
    await page.waitForLoadState();
    assert.ok(await page.getByText('Please correct the fields marked below.').isVisible());
    assert.equal(await page.getByLabel('Work email').getAttribute('aria-invalid'), 'true');

    const email = `e2e-${Date.now()}@customer.example`;
    await page.getByLabel('What do you need?').selectOption('intro');
    await page.getByLabel('Your name').fill('Casey Jones');
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('Company', { exact: true }).fill('Customer Co');
    await page.getByLabel(/Company website/).fill('customer.example');
    await page.getByLabel('What would you like to achieve?').fill('Set this up for our finance team.');
    await page.getByLabel(/may contact me/).check();
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.waitForURL(`${BASE_URL}/integrations/${first.slug}?sent=1#contact`);
    assert.ok(await page.getByText('Thanks — your request is on its way.').isVisible());
    await page.screenshot({ path: `${ARTIFACTS}/listing-contact-sent.png` });

    // The request went to the listing's partner: it is in the partner's leads.
    const token = await adminToken();
    const leads = await apiGetAs(token, `/api/v1/partners/${first.partner.slug}/leads`);
    const lead = leads.find((l) => l.email === email);
    assert.ok(lead, `the partner's leads include the request from ${email}`);
    assert.equal(lead.listing, first.slug);
    assert.equal(lead.contact_name, 'Casey Jones');
    await page.close();
  });

  test('an unknown listing is a real 404 page', T, async () => {
    const { page } = await openPage(browser.context, '/integrations/no-such-integration');
    assert.match(await page.getByRole('heading', { level: 1 }).textContent(), /couldn’t find/);
    assert.ok(await page.getByRole('link', { name: 'Browse integrations' }).isVisible());
    await page.close();
  });
});
