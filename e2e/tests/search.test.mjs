// Searching from the header: a typo still finds the listing, facets filter and the URL keeps
// the filter, and the result opens the listing. Expected content comes from the API under test.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { BASE_URL, apiGet, launchBrowser, openPage } from './helpers.mjs';

const T = { timeout: 30_000 };
const ARTIFACTS = process.env.MERCATO_E2E_ARTIFACTS ?? new URL('../artifacts/', import.meta.url).pathname;

/// A copy of `word` with one letter changed in the middle: a one-typo query.
function typo(word) {
  const i = Math.floor(word.length / 2);
  const swap = word[i] === 'e' ? 'a' : 'e';
  return word.slice(0, i) + swap + word.slice(i + 1);
}

describe('search', { timeout: 120_000 }, () => {
  let browser;
  let target;
  let word;

  before(async () => {
    browser = await launchBrowser();
    const summary = (await apiGet('/api/v1/listings?limit=1')).items[0];
    target = await apiGet(`/api/v1/listings/${summary.slug}`);
    // The longest word of the name: long enough to tolerate a typo.
    word = target.name
      .split(/[^A-Za-z]+/)
      .filter((w) => w.length >= 6)
      .sort((a, b) => b.length - a.length)[0];
    assert.ok(word, `a word of 6+ letters in "${target.name}"`);
    await mkdir(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
  });

  test('a visitor searches with a typo, filters by a facet and opens the listing', T, async () => {
    const { page } = await openPage(browser.context);
    const query = typo(word.toLowerCase());
    await page.getByRole('combobox', { name: 'Search integrations', exact: true }).fill(query);
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === '/search');
    assert.equal(new URL(page.url()).searchParams.get('q'), query);
    const results = page.getByRole('main');
    const hit = results.getByRole('link', { name: target.name });
    await hit.first().waitFor();

    // Filter by the listing's category: the URL keeps it, and the listing is still there.
    const category = target.categories[0];
    const filters = page.getByRole('complementary', { name: 'Filters' });
    await filters.getByRole('link', { name: new RegExp(`^${category.name}`) }).first().click();
    await page.waitForURL((url) => url.searchParams.get('category') === category.slug);
    assert.equal(new URL(page.url()).searchParams.get('q'), query);
    assert.equal(
      await filters.locator('a[aria-current="true"]').count(),
      1,
      'the chosen filter is marked',
    );
    await page.screenshot({ path: `${ARTIFACTS}/search.png`, fullPage: true });

    // Reloading keeps the filter: it lives in the URL.
    await page.reload();
    assert.equal(new URL(page.url()).searchParams.get('category'), category.slug);
    await results.getByRole('link', { name: target.name }).first().click();
    await page.waitForURL(`${BASE_URL}/integrations/${target.slug}`);
    assert.equal((await page.getByRole('heading', { level: 1 }).textContent()).trim(), target.name);
    await page.close();
  });

  test('a category page lists the category’s integrations', T, async () => {
    const category = target.categories[0];
    const { page } = await openPage(browser.context, `/categories/${category.slug}`);
    assert.match(await page.getByRole('heading', { level: 1 }).textContent(), new RegExp(category.name));
    assert.ok(await page.getByRole('link', { name: target.name }).first().isVisible());
    await page.screenshot({ path: `${ARTIFACTS}/category.png`, fullPage: true });
    await page.close();
  });

  test('a partner page shows the partner’s integrations', T, async () => {
    const { page } = await openPage(browser.context, `/partners/${target.partner.slug}`);
    assert.equal(
      (await page.getByRole('heading', { level: 1 }).textContent()).trim(),
      target.partner.name,
    );
    assert.ok(await page.getByRole('link', { name: target.name }).first().isVisible());
    await page.screenshot({ path: `${ARTIFACTS}/partner.png`, fullPage: true });
    await page.close();
  });
});
