// The marketplace home page, in headless Chromium against the real server and its demo data.
// Expected content comes from the API under test, never from hard-coded seed data.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { BASE_URL, apiGet, homeRegions, launchBrowser, openPage } from './helpers.mjs';

// Per test, so that one hung step fails its own test rather than the whole file.
const T = { timeout: 30_000 };

describe('home page', { timeout: 120_000 }, () => {
  let browser;
  let listings;
  let categories;

  before(async () => {
    browser = await launchBrowser();
    listings = (await apiGet('/api/v1/listings?limit=12')).items;
    categories = (await apiGet('/api/v1/categories')).items;
    assert.ok(listings.length > 0, 'the demo data should publish at least one listing');
    assert.ok(categories.length > 0, 'the demo data should have at least one category');
  });

  after(async () => {
    await browser?.close();
  });

  test('has a language, a title, a description and a labelled search box', T, async () => {
    const { page } = await openPage(browser.context);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.match(await page.title(), /Mercato/);
    const description = await page.locator('meta[name="description"]').getAttribute('content');
    assert.ok(description && description.length > 20, 'meta description');
    assert.ok(await page.locator('meta[name="viewport"]').count(), 'meta viewport');

    const { search } = homeRegions(page);
    await search.waitFor();
    assert.equal(await search.getAttribute('name'), 'q');
    assert.equal(await page.getByRole('search', { name: 'Site search' }).count(), 1);
    assert.equal(await page.getByRole('search', { name: 'Search the marketplace' }).count(), 1);
    assert.ok(await page.getByRole('link', { name: 'Mercato home' }).isVisible(), 'brand link');
    await page.close();
  });

  test('shows the popular integrations the API lists, most popular first', T, async () => {
    const { page } = await openPage(browser.context);
    const { popular } = homeRegions(page);
    const cards = popular.getByRole('listitem');
    await cards.first().waitFor();
    assert.equal(await cards.count(), listings.length);

    const first = listings[0];
    const firstLink = cards.first().getByRole('heading').getByRole('link');
    assert.equal((await firstLink.textContent()).trim(), first.name);
    assert.equal(await firstLink.getAttribute('href'), `/integrations/${first.slug}`);
    const firstText = await cards.first().textContent();
    assert.ok(firstText.includes(first.tagline), 'the card shows the tagline');
    assert.ok(firstText.includes(first.partner.name), 'the card shows the partner');

    const names = await popular.getByRole('heading', { level: 3 }).allTextContents();
    assert.deepEqual(
      names.map((n) => n.trim()),
      listings.map((l) => l.name),
    );
    await page.close();
  });

  test('lists the categories', T, async () => {
    const { page } = await openPage(browser.context);
    const { categories: region } = homeRegions(page);
    const links = region.getByRole('link');
    await links.first().waitFor();
    assert.equal(await links.count(), categories.length);
    assert.ok((await links.first().textContent()).includes(categories[0].name));
    assert.equal(await links.first().getAttribute('href'), `/categories/${categories[0].slug}`);
    await page.close();
  });

  test('loads without console errors or failed requests', T, async () => {
    const { page, problems } = await openPage(browser.context);
    const { popular, categories: region } = homeRegions(page);
    await popular.getByRole('listitem').first().waitFor();
    await region.getByRole('link').first().waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('can be used with the keyboard: Tab reaches the search box and the listings', T, async () => {
    const { page } = await openPage(browser.context);
    await homeRegions(page).popular.getByRole('listitem').first().waitFor();

    const reached = [];
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      reached.push(
        await page.evaluate(() => {
          const el = document.activeElement;
          return {
            id: el?.id ?? '',
            tag: el?.tagName ?? '',
            href: el?.getAttribute('href') ?? '',
            visibleFocus: !!el && getComputedStyle(el).outlineStyle !== 'none',
          };
        }),
      );
    }
    assert.equal(reached[0].href, '#main', 'the first Tab stop is the skip link');
    const search = reached.find((el) => el.id === 'site-search');
    assert.ok(search, `Tab never reached the search box: ${JSON.stringify(reached)}`);
    assert.ok(search.visibleFocus, 'the focused search box shows a focus outline');
    assert.ok(
      reached.some((el) => el.tag === 'A' && el.href.startsWith('/integrations/')),
      `Tab never reached a listing link: ${JSON.stringify(reached)}`,
    );

    // The search box takes typing and submits with Enter as a GET form.
    await homeRegions(page).search.focus();
    await page.keyboard.type('crm');
    await Promise.all([page.waitForURL(/\/search\?q=crm$/), page.keyboard.press('Enter')]);
    await page.close();
  });

  test('fits a 375px-wide phone screen without horizontal scrolling', T, async () => {
    const { page } = await openPage(browser.context, '/', { viewport: { width: 375, height: 812 } });
    await homeRegions(page).popular.getByRole('listitem').first().waitFor();
    await homeRegions(page).categories.getByRole('link').first().waitFor();
    const overflow = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const wide = [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > width + 1)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
      return { scrollWidth: document.documentElement.scrollWidth, width, wide };
    });
    assert.ok(
      overflow.scrollWidth <= overflow.width,
      `page is ${overflow.scrollWidth}px wide in a ${overflow.width}px viewport`,
    );
    assert.deepEqual(overflow.wide, [], 'elements reaching past the right edge');
    await page.close();
  });
});
