// Shared set-up of the end-to-end tests: the server under test, the browser, and a page that
// records everything that goes wrong in it.
//
// `cargo xtask test` starts the server and sets MERCATO_BASE_URL and CHROMIUM_PATH; to run the
// tests by hand against a server you started: `MERCATO_BASE_URL=http://127.0.0.1:8080 npm test`.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

export const BASE_URL = (process.env.MERCATO_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// Headless Chromium as root on a machine with no network but loopback: no sandbox, no GPU, and
// none of the background traffic that would only hit refused connections.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/// Launches headless Chromium with a fresh user data dir; `close()` removes it again.
export async function launchBrowser() {
  const userDataDir = await mkdtemp(join(tmpdir(), 'mercato-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/// Opens `path` in a new page. `problems` collects console errors, uncaught exceptions, failed
/// requests and HTTP error responses, for tests that assert a clean page.
export async function openPage(context, path = '/', { viewport } = {}) {
  const page = await context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.message}`));
  page.on('requestfailed', (request) => {
    // A download cut short because the test moved on to another page is not a fault.
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  await page.goto(BASE_URL + path);
  return { page, problems };
}

/// Waits until boot.js has hydrated the page's islands (search suggestions, account, install).
export async function hydrated(page) {
  await page.waitForSelector('html[data-hydrated="true"]', { state: 'attached' });
}

/// GETs a JSON document from the API under test.
export async function apiGet(path) {
  const response = await fetch(BASE_URL + path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return response.json();
}

/// The home page's regions, found the way assistive technology finds them.
export function homeRegions(page) {
  return {
    popular: page.getByRole('region', { name: 'Popular integrations' }),
    categories: page.getByRole('complementary', { name: 'Browse by category' }),
    // The header's search box (the home page's hero has a second one).
    search: page.getByRole('combobox', { name: 'Search integrations', exact: true }),
  };
}

/// Signs in as the marketplace admin the harness created; returns a bearer token.
export async function adminToken() {
  const response = await fetch(BASE_URL + '/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: process.env.MERCATO_E2E_ADMIN_EMAIL,
      password: process.env.MERCATO_E2E_ADMIN_PASSWORD,
    }),
  });
  if (!response.ok) throw new Error(`admin sign-in: HTTP ${response.status}`);
  return (await response.json()).access_token;
}

/// GETs a JSON document from the API with a bearer token.
export async function apiGetAs(token, path) {
  const response = await fetch(BASE_URL + path, {
    headers: { accept: 'application/json', authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return response.json();
}

/// Where tests write their screenshots.
export const ARTIFACTS =
  process.env.MERCATO_E2E_ARTIFACTS ?? new URL('../artifacts/', import.meta.url).pathname;

/// Calls the API under test as `token` (or nobody); throws on an error status.
export async function api(method, path, token, body, headers = {}) {
  const response = await fetch(BASE_URL + path, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/// Signs in through the API; returns the access token.
export async function login(email, password) {
  return (await api('POST', '/api/v1/auth/login', null, { email, password })).access_token;
}

/// Fills and sends the sign-in form of the page (already on /sign-in).
export async function signIn(page, email, password) {
  await hydrated(page);
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/// Polls `check` (async, truthy when done) every 250 ms for up to `seconds`.
export async function eventually(what, check, seconds = 20) {
  for (let i = 0; i < seconds * 4; i++) {
    const result = await check();
    if (result) return result;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/// The demo accounts `mercato seed-demo` creates.
export const DEMO = {
  admin: ['admin@mercato.example', 'mercato-admin-demo'],
  analyst: ['analyst@mercato.example', 'mercato-analyst-demo'],
  partner: ['partner@northwind-labs.example', 'mercato-partner-demo'],
  customer: ['customer@acme.example', 'mercato-customer-demo'],
};
