/**
 * Chromium for the page tests (the one `npm test` finds or installs, via playwright-core), the IdP sign-in steps,
 * and screenshots under test-artifacts/screenshots (git-ignored).
 * @module
 */

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { BrowserWorld } from './world.js';

/** Where screenshots go. */
export const SCREENSHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-artifacts', 'screenshots');

/** The cast's emulator password. */
export const PASSWORD = 'Demo-Passw0rd!';

/** Launches the browser (one per test file): the Chromium `npm test`'s set-up found or installed. */
export async function launch(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH;
  if (!executablePath)
    throw new Error('no Chromium: run `npm test` once (it installs one) or set CHROMIUM_PATH');
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Saves a full-page screenshot named `<idp>-<name>.png`. */
export async function shot(page: Page, world: BrowserWorld, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${world.idp}-${name}.png`), fullPage: true });
}

/** The three emulated IdPs the demo runs. */
export type DemoIdp = 'okta' | 'entra' | 'keycloak';

/** Where the demo walks (README and reset/unlock) keep their screenshots. */
export const DEMO_SCREENSHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-artifacts', 'demo');

/** The demo cast's sign-in name at an IdP (Keycloak signs in by username, the others by email). */
export const demoLogin = (idp: DemoIdp, name: string) => (idp === 'keycloak' ? name : `${name}@example.com`);

/** Saves a full-page screenshot of a demo walk, named `<idp>-<name>.png`. */
export async function demoShot(page: Page, idp: DemoIdp, name: string): Promise<void> {
  await page.screenshot({ path: path.join(DEMO_SCREENSHOTS, `${idp}-${name}.png`), fullPage: true });
}

/**
 * Completes the IdP's sign-in UI as `name` (password, then the second factor when asked: a TOTP code or
 * a push answered on the emulator), and waits until the browser is back on the gate.
 */
export async function signIn(page: Page, world: BrowserWorld, name: string): Promise<void> {
  await page.locator('input[name=login]').waitFor();
  await page.fill('input[name=login]', world.side.login(name));
  await page.fill('input[name=password]', PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The next page: the IdP's second-factor step, or the gate (its brand) when none was asked for. Waiting
  // for it, not for a load state, which can resolve on the sign-in form before the post navigates.
  await page.locator('input[name=otp], h1:has-text("Approve on your phone"), .brand').first().waitFor();
  if (page.url().startsWith(world.gateUrl)) return;
  const id = await world.id(name);
  if ((await page.locator('input[name=otp]').count()) > 0) {
    const code = world.side.otp(id);
    if (!code) throw new Error(`${name} has no TOTP code on ${world.idp}`);
    await page.fill('input[name=otp]', code);
    await page.getByRole('button', { name: 'Verify' }).click();
  } else if (!world.side.oidc.answerPush(id, 'approve')) {
    throw new Error(`no push waiting for ${name}`);
  }
  // The push page reloads itself every 2 s until the push is answered, then carries on to the gate; a
  // click on its button can land mid-reload, so the test waits for the gate instead.
  await page.waitForURL((url) => url.href.startsWith(world.gateUrl), { timeout: 30_000 });
}
