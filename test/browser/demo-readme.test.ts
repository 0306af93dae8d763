/**
 * The README's "Explore in a browser" steps, followed as a person would: the demo started as a process, its
 * printed links opened in Chromium, codes and pushes taken from the demo inbox only. On each IdP: alice
 * verifies with a second factor (on Okta also picking, in the inbox, the push number her page shows),
 * erin approves with a second factor, alice sees her temporary credential once (on Keycloak too: nothing
 * goes to the account's own mailbox), presses "this wasn't me" in the completion notice and sees the
 * recovery undone, and carol stops her held recovery with "this wasn't me".
 * Screenshots go to test-artifacts/demo/.
 * @module
 */

import { mkdir } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_SCREENSHOTS as ARTIFACTS,
  type DemoIdp,
  launch,
  demoLogin as login,
  PASSWORD,
  demoShot as shot,
} from './browser.js';
import { type DemoProcess, startDemo } from './demo-run.js';
import { heading } from './steps.js';

type Idp = DemoIdp;

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
    // The waiting page reloads itself every 2 s: wait for its heading rather than count it mid-reload.
    await page.getByRole('heading', { name: 'Approve on your phone' }).waitFor();
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

/**
 * Okta's number-matching push: the verification page shows the number; alice's row of the inbox offers
 * three, as Okta Verify does, and she picks the one her page shows.
 */
async function pickPushNumber(page: Page, demo: DemoProcess): Promise<void> {
  const shown = (await page.locator('.number-match').textContent())?.trim() ?? '';
  expect(shown).toMatch(/^\d{2}$/);
  await shot(page, 'okta', 'alice-push-number');
  const inbox = await page.context().newPage();
  await inbox.goto(demo.inbox);
  const row = inbox.locator('#okta-alice');
  await expect(row.getByText('tap the number shown on your recovery page').count()).resolves.toBe(1);
  // The phone offers three numbers and does not say which is right; the number itself is not shown as such.
  await expect(row.locator('button[name=picked]').count()).resolves.toBe(3);
  await shot(inbox, 'okta', 'inbox-push-choices');
  await row.getByRole('button', { name: `Pick ${shown} for alice` }).click();
  await inbox.getByText('Number sent.').waitFor();
  await inbox.close();
  const device = page.locator('li', { hasText: 'Approve on your phone' });
  await until(page, 'the push to count', async () => (await device.getByText('done').count()) === 1);
  await expect(page.locator('.number-match').count()).resolves.toBe(0);
}

/**
 * The completion notice's "this wasn't me", opened from the inbox as alice would from her phone: the page
 * lists the lock-down step by step, and the security team's alert is in the inbox.
 */
async function repudiateFromNotice(browser: Browser, demo: DemoProcess, idp: Idp): Promise<void> {
  const { context, page } = await fresh(browser);
  await page.goto(demo.inbox);
  const notice = page
    .locator('tr', { hasText: 'Your account was recovered' })
    .filter({ hasText: `(${idp} · alice's case)` })
    .first();
  await until(page, 'the completion notice', async () => (await notice.count()) === 1);
  await expect(notice.getByText(/If this was not you, use the link/).count()).resolves.toBe(1);
  await shot(page, idp, 'inbox-completion-notice');
  await notice.getByRole('link', { name: "This wasn't me" }).click();
  expect(await heading(page)).toBe('A recovery of your account ran');
  await shot(page, idp, 'alice-not-me');
  await page.getByRole('button', { name: /This wasn't me: lock it down/ }).click();
  await page.locator('#undone').waitFor();
  expect(await heading(page)).toBe('Access revoked');
  const steps = page.locator('#undone li');
  await expect(steps.count()).resolves.toBe(5);
  await expect(steps.filter({ hasText: 'done' }).count()).resolves.toBe(5);
  await expect(
    page.getByText('The temporary access the recovery issued no longer works.').count(),
  ).resolves.toBe(1);
  await expect(page.getByText(/out everywhere/).count()).resolves.toBe(1);
  await shot(page, idp, 'alice-access-revoked');
  await page.goto(demo.inbox);
  const alert = page
    .locator('tr', { hasText: 'Completed recovery repudiated' })
    .filter({ hasText: `(${idp} · alice's case)` });
  await expect(alert.count()).resolves.toBeGreaterThan(0);
  await expect(alert.first().getByText('security team (chat webhook)').count()).resolves.toBe(1);
  await context.close();
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
    it(`${idp}: alice verifies, erin approves with a second factor, alice sees her credential once, then says "this wasn't me"`, async () => {
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
        if (idp === 'okta') await pickPushNumber(alice.page, demo);
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

      await repudiateFromNotice(browser, demo, idp);
    }, 240_000);

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
