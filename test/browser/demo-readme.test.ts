/**
 * The README's "Explore in a browser" steps, followed as a person would: the demo started as a process, its
 * printed links opened in Chromium, codes and pushes taken from the demo inbox only. On each IdP: alice
 * verifies with a second factor, erin approves with a second factor, alice sees her temporary credential
 * once (on Keycloak too: nothing goes to the account's own mailbox), and carol stops her held recovery with "this wasn't me".
 * Screenshots go to test-artifacts/demo/.
 * @module
 */

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, PASSWORD } from './browser.js';
import { type DemoProcess, startDemo } from './demo-run.js';

type Idp = 'okta' | 'entra' | 'keycloak';

const ARTIFACTS = path.resolve(import.meta.dirname, '..', '..', 'test-artifacts', 'demo');
const login = (idp: Idp, name: string) => (idp === 'keycloak' ? name : `${name}@example.com`);

async function shot(page: Page, idp: Idp, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${idp}-${name}.png`), fullPage: true });
}

async function heading(page: Page): Promise<string> {
  return (await page.locator('main h1').first().textContent())?.trim() ?? '';
}

/** Reloads `page` until `check` holds (the state it waits on lives in another process), or fails. */
async function until(page: Page, what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    // A poll interval, not a sync: the loop ends on the state, however long it takes (within the deadline).
    await new Promise((r) => setTimeout(r, 250));
    await page.reload();
  }
}

/**
 * Signs in on the IdP's page with the password, then the second factor from the demo inbox; `reject`
 * denies the push instead (alice has lost that phone).
 */
async function signIn(
  page: Page,
  demo: DemoProcess,
  idp: Idp,
  name: string,
  tag: string,
  push: 'approve' | 'reject' = 'approve',
): Promise<void> {
  await page.locator('input[name=login]').waitFor();
  await page.fill('input[name=login]', login(idp, name));
  await page.fill('input[name=password]', PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The next page: the IdP's second-factor step, or the gate (its brand) when none was asked for.
  await page.locator('input[name=otp], h1:has-text("Approve on your phone"), .brand').first().waitFor();
  if (page.url().startsWith(demo.gate)) return;
  const inbox = await page.context().newPage();
  await inbox.goto(demo.inbox);
  const row = inbox.locator(`#${idp}-${name}`);
  if ((await page.locator('input[name=otp]').count()) > 0) {
    const code = (await row.locator('.otp').textContent())?.trim() ?? '';
    expect(code).toMatch(/^\d{6}$/);
    await page.fill('input[name=otp]', code);
    await shot(page, idp, `${tag}-second-factor`);
    await page.getByRole('button', { name: 'Verify' }).click();
  } else {
    await expect(page.getByRole('heading', { name: 'Approve on your phone' }).count()).resolves.toBe(1);
    const form = row.locator('form:has(input[name=source][value=sign-in])');
    await until(inbox, `a sign-in push for ${name}`, async () => (await form.count()) === 1);
    // The inbox, not the waiting page: that one reloads itself every 2 s, which a screenshot can straddle.
    await shot(inbox, idp, `${tag}-second-factor`);
    await form.getByRole('button', { name: push === 'approve' ? /^Approve/ : 'Deny' }).click();
    await expect(inbox.getByText(push === 'approve' ? 'Push approved' : 'Push denied').count()).resolves.toBe(
      1,
    );
    // The waiting page refreshes itself until the push is answered, then carries on to the gate.
  }
  await inbox.close();
  await page.waitForURL((url) => url.href.startsWith(demo.gate), { timeout: 30_000 });
}

/**
 * alice has lost her phone: she denies the push, continues without a second factor, and confirms with the
 * code the gate texts to her number on file (read from the inbox, as from her new SIM).
 */
async function aliceByPhoneCode(page: Page, demo: DemoProcess, idp: Idp): Promise<void> {
  await signIn(page, demo, idp, 'alice', 'alice', 'reject');
  expect(await heading(page)).toBe('Sign-in not completed');
  await shot(page, idp, 'alice-push-denied');
  await page.getByRole('link', { name: 'Continue without a second factor' }).click();
  await signIn(page, demo, idp, 'alice', 'alice-password');
  expect(page.url()).toMatch(/\/verify\/case\//);
  await expect(page.getByText(/Confirm with a code sent to \+\*+/).count()).resolves.toBe(1);
  await page.getByRole('button', { name: 'Send me a code' }).click();
  await page.getByLabel('Code we sent you').waitFor();
  const inbox = await page.context().newPage();
  await inbox.goto(demo.inbox);
  const sms = inbox
    .locator('tr', { hasText: 'Your verification code' })
    .filter({ hasText: '(alice)' })
    .first();
  const code = /\b(\d{6})\b/.exec((await sms.textContent()) ?? '')?.[1];
  expect(code).toMatch(/^\d{6}$/);
  await shot(inbox, idp, 'inbox-sms-code');
  await inbox.close();
  await page.getByLabel('Code we sent you').fill(code as string);
  await page.getByRole('button', { name: 'Check code' }).click();
  await page.getByText('Your phone is confirmed.').waitFor();
  // Entra has no device challenge, so the page does not offer one.
  await expect(page.getByText('Approve the request we sent').count()).resolves.toBe(0);
}

async function fresh(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  return { context, page: await context.newPage() };
}

describe('the README demo, in a browser', () => {
  let demo: DemoProcess;
  let browser: Browser;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    [demo, browser] = await Promise.all([startDemo(), launch()]);
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    // Ctrl-C ends the demo; its exit code reports the scripted stories, which other suites check.
    await demo?.stop();
  });

  it('prints the inbox, which lists what the gate sent and the cast', async () => {
    const { context, page } = await fresh(browser);
    await page.goto(demo.inbox);
    expect(await heading(page)).toBe('Demo inbox');
    await expect(
      page.getByText('Approval needed: authenticator_rebind for').count(),
    ).resolves.toBeGreaterThan(0);
    await shot(page, 'okta', 'inbox');
    await context.close();
  });

  for (const idp of ['okta', 'entra', 'keycloak'] as const) {
    it(`${idp}: alice verifies, erin approves with a second factor, alice sees her credential once`, async () => {
      const printed = demo.cases[idp];
      const verify = printed.verify.find((v) => !v.to.includes('@')) ?? printed.verify[0];
      if (!verify) throw new Error(`no verification link for alice on ${idp}`);
      const alice = await fresh(browser);
      await alice.page.goto(verify.url);
      if (idp === 'entra') await aliceByPhoneCode(alice.page, demo, idp);
      else {
        await signIn(alice.page, demo, idp, 'alice', 'alice');
        expect(alice.page.url()).toMatch(/\/verify\/case\//);
        const stepUp = alice.page.locator('li', { hasText: 'Multi-factor sign-in' });
        await expect(stepUp.getByText('done').count()).resolves.toBe(1);
      }
      await shot(alice.page, idp, 'alice-verified');

      const erin = await fresh(browser);
      await erin.page.goto(printed.review);
      await signIn(erin.page, demo, idp, 'erin', 'erin');
      expect(await heading(erin.page)).toBe('Approval requested');
      await erin.page.getByLabel(/Approve: I confirmed/).check();
      await erin.page.getByLabel('Reason').fill('Video call with alice, recognised her');
      await erin.page.getByRole('button', { name: 'Submit decision' }).click();
      await erin.page.getByRole('heading', { name: 'Approved' }).waitFor();
      expect(await erin.page.locator('#signed-in-with').textContent()).toMatch(/\(multi-factor/);
      await shot(erin.page, idp, 'erin-approved-with-mfa');
      await erin.context.close();

      // Every IdP, Keycloak too: the gate shows the credential once; nothing goes to the account's own mailbox.
      const ready = 'Your temporary access is ready';
      await until(alice.page, 'the credential', async () => (await alice.page.getByText(ready).count()) > 0);
      await shot(alice.page, idp, 'alice-ready');
      await alice.page.getByRole('link', { name: 'Sign in to view it' }).click();
      await signIn(alice.page, demo, idp, 'alice', 'alice-collect');
      const secret = (await alice.page.locator('#credential').textContent())?.trim() ?? '';
      expect(secret.length).toBeGreaterThan(5);
      await shot(alice.page, idp, 'alice-credential');
      await alice.page.reload();
      expect(await heading(alice.page)).toBe('Nothing to show');
      await expect(alice.page.locator('#credential').count()).resolves.toBe(0);
      await alice.context.close();
    }, 180_000);

    it(`${idp}: carol stops her held recovery with "this wasn't me"`, async () => {
      const link = demo.cases[idp].cancel[0];
      if (!link) throw new Error(`no cancel link for carol on ${idp}`);
      const carol = await fresh(browser);
      await carol.page.goto(link);
      expect(await heading(carol.page)).toBe('A recovery of your account is pending');
      await shot(carol.page, idp, 'carol-held');
      await carol.page.getByRole('button', { name: /This wasn't me/ }).click();
      await carol.page.getByRole('heading', { name: 'Recovery stopped' }).waitFor();
      await shot(carol.page, idp, 'carol-stopped');
      await carol.context.close();
    }, 60_000);
  }
});
