// Signs an account in inside a Chromium profile directory, so that a tool started later with
// that profile (Lighthouse, via `cargo xtask lighthouse`) opens console pages signed in: the
// session lives in the browser's localStorage, which the profile keeps.
//
//   node sign-in-profile.mjs BASE_URL PROFILE_DIR EMAIL PASSWORD PATH

import { chromium } from 'playwright-core';

import { CHROMIUM_ARGS, CHROMIUM_PATH } from './tests/helpers.mjs';

const [base, profile, email, password, path] = process.argv.slice(2);
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM_PATH,
  headless: true,
  args: CHROMIUM_ARGS,
});
const page = await context.newPage();
await page.goto(`${base}/sign-in?next=${encodeURIComponent(path)}`);
await page.waitForSelector('html[data-hydrated="true"]', { state: 'attached' });
await page.getByLabel('Work email').fill(email);
await page.getByLabel('Password').fill(password);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForURL(`${base}${path}`);
await context.close();
