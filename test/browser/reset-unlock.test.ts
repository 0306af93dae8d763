/**
 * The demo's password-reset and unlock stories, finished in Chromium as the README tells a person to: the
 * links the demo prints, the pages, and that set's demo inbox only (codes, pushes, messages). The second set
 * of tenants is started in-process with the demo's own code (the demo process itself is the README walk's
 * subject, test/browser/demo-readme.test.ts). On each IdP:
 * - alice is locked out (Okta, Keycloak; Entra shows no lockout): her Verify link opens the proof page, a
 *   code to her phone binds the session and counts as evidence, erin approves with her second factor; the
 *   emulator then says active and alice signs in at the IdP's page with her own password;
 * - erin's password reset: she verifies with a step-up sign-in; the emulator says the password is expired,
 *   the old one and her sessions are refused; from the "ready" message she proves she holds her phone,
 *   sees the temporary credential once, and it signs her in once (on Keycloak she chooses a new password
 *   at the IdP's page before anything is issued, as its UPDATE_PASSWORD required action demands).
 * Screenshots go to test-artifacts/demo/.
 * @module
 */

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../packages/gate/dist/src/cli/io.js';
import type { Exploration } from '../../packages/gate/dist/src/demo/explore.js';
import {
  openResetUnlockCases,
  RESET_UNLOCK_READY,
  startResetUnlockExploration,
} from '../../packages/gate/dist/src/demo/reset-unlock-explore.js';
import {
  DEMO_SCREENSHOTS as ARTIFACTS,
  type DemoIdp,
  launch,
  demoLogin as login,
  PASSWORD,
  demoShot as shot,
} from './browser.js';
import { heading } from './steps.js';

type Idp = DemoIdp;

/** What the demo printed for one IdP: alice's unlock and erin's reset, each with its links. */
interface Printed {
  readonly unlockVerify: string;
  readonly unlockReview: string;
  readonly resetVerify: string;
}

function parse(out: string, idp: Idp): Printed {
  const block = (who: RegExp) =>
    new RegExp(`^  ${idp}: ${who.source}[^\\n]*\\n((?: {6}\\S[^\\n]*\\n)+)`, 'm');
  const unlock = block(/alice is locked out/).exec(out)?.[1] ?? '';
  const reset = block(/erin's password reset/).exec(out)?.[1] ?? '';
  const link = (text: string, label: string, to: (t: string) => boolean) =>
    [...text.matchAll(new RegExp(`^ {6}${label} \\(sent to ([^)]+)\\): (\\S+)$`, 'gm'))].find((m) =>
      to(m[1] as string),
    )?.[2];
  const phone = (t: string) => !t.includes('@');
  const unlockVerify = link(unlock, 'Verify', phone);
  const unlockReview = link(unlock, 'Review', (t) => t === 'erin@example.com');
  const resetVerify = link(reset, 'Verify', phone) ?? link(reset, 'Verify', () => true);
  if (!unlockVerify || !unlockReview || !resetVerify) throw new Error(`links missing for ${idp}:\n${out}`);
  return { unlockVerify, unlockReview, resetVerify };
}

/**
 * Signs in on the IdP's page with `secret`, then the second factor from the inbox (a code, or "Approve" on
 * the sign-in push), then, when `newPassword` is given, the IdP's own new-password form (Keycloak's
 * UPDATE_PASSWORD for a temporary password), and waits until the browser is back on the gate.
 */
async function signIn(
  page: Page,
  x: Exploration,
  idp: Idp,
  name: string,
  secret = PASSWORD,
  newPassword?: string,
): Promise<void> {
  await page.locator('input[name=login]').waitFor();
  await page.fill('input[name=login]', login(idp, name));
  await page.fill('input[name=password]', secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const factor = page.locator('input[name=otp], h1:has-text("Approve on your phone")');
  try {
    await page
      .locator('input[name=otp], h1:has-text("Approve on your phone"), input[name=password-new], .brand')
      .first()
      .waitFor();
  } catch (error) {
    await shot(page, idp, `signin-stuck-${name}`);
    throw error;
  }
  if (!page.url().startsWith(x.gate.url) && (await factor.count()) > 0) {
    const inbox = await page.context().newPage();
    await inbox.goto(`${x.gate.url}/demo/inbox`);
    const row = inbox.locator(`#${idp}-${name}`);
    if ((await page.locator('input[name=otp]').count()) > 0) {
      const code = (await row.locator('.otp').textContent())?.trim() ?? '';
      await page.fill('input[name=otp]', code);
      await page.getByRole('button', { name: 'Verify' }).click();
    } else {
      const form = row.locator('form:has(input[name=source][value=sign-in])');
      await form.getByRole('button', { name: /^Approve/ }).click();
      await inbox.getByText('Push approved').waitFor();
    }
    await inbox.close();
  }
  if (newPassword !== undefined) {
    // The IdP issues nothing before the new password is set: its form comes after every other step.
    await page.locator('input[name=password-new]').waitFor();
    await shot(page, idp, `update-password-${name}`);
    await page.fill('input[name=password-new]', newPassword);
    await page.fill('input[name=password-confirm]', newPassword);
    await page.getByRole('button', { name: 'Submit' }).click();
  }
  await page.waitForURL((url) => url.href.startsWith(x.gate.url), { timeout: 30_000 });
}

/** The newest text message to `name` with `subject`, as the inbox lists it for the IdP's case. */
async function inboxMessage(page: Page, x: Exploration, idp: Idp, name: string, subject: string) {
  const inbox = await page.context().newPage();
  await inbox.goto(`${x.gate.url}/demo/inbox`);
  const row = inbox
    .locator('tr', { hasText: subject })
    .filter({ hasText: `${idp} · ${name}'s case` })
    .filter({ hasText: 'SMS to' })
    .first();
  await row.waitFor();
  return { inbox, row };
}

/** On the proof page: a code to the phone on file, read from the inbox as from the phone. */
async function proveWithPhoneCode(page: Page, x: Exploration, idp: Idp, name: string, tag: string) {
  await page.getByRole('heading', { name: 'Prove it is you' }).waitFor();
  await shot(page, idp, `${tag}-prove`);
  await page.getByRole('button', { name: 'Send me a code' }).click();
  await page.getByLabel('Code we sent you').waitFor();
  const { inbox, row } = await inboxMessage(page, x, idp, name, 'Your verification code');
  const code = /\b(\d{6})\b/.exec((await row.textContent()) ?? '')?.[1];
  expect(code).toMatch(/^\d{6}$/);
  await inbox.close();
  await page.getByLabel('Code we sent you').fill(code as string);
  await page.getByRole('button', { name: 'Check code' }).click();
}

/**
 * Signs in at the IdP's own sign-in page, as any app of the tenant would send the person there (the gate's
 * page client, no step-up asked), and checks the IdP let them in: it redirects back with a code, no error.
 */
async function idpSignIn(
  browser: Browser,
  x: Exploration,
  idp: Idp,
  name: string,
  secret = PASSWORD,
  newPassword?: string,
) {
  const tenant = x.tenants.find((t) => t.idp === idp);
  const discovery = (await (await fetch(`${tenant?.issuer}/.well-known/openid-configuration`)).json()) as {
    authorization_endpoint: string;
  };
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: 'recovery-gate-pages',
    redirect_uri: `${x.gate.url}/oidc/callback`,
    response_type: 'code',
    scope: 'openid',
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const { context, page } = await fresh(browser);
  await page.goto(url.href);
  await signIn(page, x, idp, name, secret, newPassword);
  const back = new URL(page.url());
  expect(back.pathname).toBe('/oidc/callback');
  expect(back.searchParams.get('error')).toBeNull();
  expect(back.searchParams.get('code')).toEqual(expect.any(String));
  await context.close();
}

async function fresh(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  return { context, page: await context.newPage() };
}

describe('the demo password-reset and unlock stories, in a browser', () => {
  let x: Exploration;
  let browser: Browser;
  let out = '';
  let dir = '';

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const io: CliIo = {
      stdout: (t) => {
        out += t;
      },
      stderr: () => undefined,
      env: {},
      cwd: tmpdir(),
      untilStopped: () => new Promise(() => undefined),
    };
    dir = await mkdtemp(path.join(tmpdir(), 'reset-unlock-'));
    const [started, b] = await Promise.all([startResetUnlockExploration(io, dir, 0), launch()]);
    if (started === null) throw new Error('this build serves no pages');
    [x, browser] = [started, b];
    await openResetUnlockCases(x, io);
    expect(out).toContain(RESET_UNLOCK_READY);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await x?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const idp of ['okta', 'entra', 'keycloak'] as const) {
    it(`${idp}: alice, locked out, proves herself with a code to her phone; erin approves; she signs in again`, async () => {
      const printed = parse(out, idp);
      const tenant = x.tenants.find((t) => t.idp === idp);
      if (!tenant) throw new Error(`no ${idp} tenant`);
      const aliceId = await tenant.id('alice');
      const locked = (await tenant.adapter.readSubjectFacts(aliceId)).status === 'locked';
      // Okta and Keycloak lock the account; Entra's smart lockout is invisible to Graph.
      expect(locked).toBe(idp !== 'entra');

      const alice = await fresh(browser);
      await alice.page.goto(printed.unlockVerify);
      if (locked) {
        // No IdP sign-in: the IdP refuses a locked account. The proof page instead.
        await proveWithPhoneCode(alice.page, x, idp, 'alice', 'unlock-alice');
        await alice.page.getByText('Your phone is confirmed.').waitFor();
      } else {
        await signIn(alice.page, x, idp, 'alice');
      }
      expect(alice.page.url()).toMatch(/\/verify\/case\//);
      await shot(alice.page, idp, 'unlock-alice-verified');
      const caseId = alice.page.url().split('/').at(-1) as string;

      const erin = await fresh(browser);
      await erin.page.goto(printed.unlockReview);
      await signIn(erin.page, x, idp, 'erin');
      expect(await heading(erin.page)).toBe('Approval requested');
      await erin.page.getByLabel(/Approve: I confirmed/).check();
      await erin.page.getByLabel('Reason').fill('She called me from her desk phone');
      await erin.page.getByRole('button', { name: 'Submit decision' }).click();
      await erin.page.getByRole('heading', { name: 'Approved' }).waitFor();
      await shot(erin.page, idp, 'unlock-erin-approved');
      await erin.context.close();

      // The emulator is the oracle: the account is active again, and nothing was issued.
      await x.gate.orchestrator.tick();
      const done = await x.gate.orchestrator.getCase(caseId);
      expect(done?.state).toBe('completed');
      expect(done?.journal.find((j) => j.step === 'issue')?.result).toEqual({ skipped: 'no_credential' });
      expect((await tenant.adapter.readSubjectFacts(aliceId)).status).toBe('active');
      await alice.page.reload();
      await shot(alice.page, idp, 'unlock-alice-done');

      await alice.page.getByRole('heading', { name: 'Your account is unlocked' }).waitFor();
      // alice signs in at the IdP's own page with the password she always had.
      await idpSignIn(browser, x, idp, 'alice');
      await alice.context.close();
    }, 240_000);

    it(`${idp}: erin's password is reset; she proves she holds her phone and sees her temporary credential once`, async () => {
      const printed = parse(out, idp);
      const tenant = x.tenants.find((t) => t.idp === idp);
      if (!tenant) throw new Error(`no ${idp} tenant`);
      const erinId = await tenant.id('erin');
      const app = await tenant.probes.mintSession(erinId);

      const erin = await fresh(browser);
      await erin.page.goto(printed.resetVerify);
      await signIn(erin.page, x, idp, 'erin');
      expect(erin.page.url()).toMatch(/\/verify\/case\//);
      const caseId = erin.page.url().split('/').at(-1) as string;
      const ready = 'Your temporary access is ready';
      await erin.page.getByText(ready).waitFor();
      await shot(erin.page, idp, 'reset-erin-ready');

      // The IdP reset the password before anything is handed out: the old one and her sessions are refused.
      expect(['password_expired', 'recovery']).toContain(
        (await tenant.adapter.readSubjectFacts(erinId)).status,
      );
      expect(await tenant.probes.signInWithPassword?.(erinId, PASSWORD)).toBeNull();
      await tenant.probes.awaitRevocation?.();
      expect(await tenant.probes.refreshTokenWorks(app.refreshToken)).toBe(false);

      // The "ready" message's link, from her phone: no sign-in with the reset password, the proof page.
      const { inbox, row } = await inboxMessage(erin.page, x, idp, 'erin', 'Your account recovery is ready');
      const reveal = await row.locator('a').first().getAttribute('href');
      await inbox.close();
      if (!reveal) throw new Error('no reveal link');
      await erin.page.goto(reveal);
      await proveWithPhoneCode(erin.page, x, idp, 'erin', 'reset-erin');
      await erin.page.locator('#credential').waitFor();
      const secret = (await erin.page.locator('#credential').textContent())?.trim() ?? '';
      expect(secret.length).toBeGreaterThan(5);
      await shot(erin.page, idp, 'reset-erin-credential');
      await erin.page.reload();
      expect(await heading(erin.page)).toBe('Nothing to show');
      await expect(erin.page.locator('#credential').count()).resolves.toBe(0);
      // Delivery is confirmed once the page's answer has left; the rest of the plan runs after it.
      await expect
        .poll(async () => (await x.gate.orchestrator.getCase(caseId))?.state, { timeout: 30_000 })
        .toBe('completed');

      // It signs her in once: at the IdP's sign-in page where it takes it (Entra's TAP at the password
      // prompt; Keycloak's temporary password, which makes her choose a new one before anything is issued),
      // else through the emulator (Okta's TAC is its own widget step).
      if (idp === 'okta') {
        expect(await tenant.probes.signInWithTemporaryCredential(erinId, secret)).toBe(true);
      } else if (idp === 'keycloak') {
        await idpSignIn(browser, x, idp, 'erin', secret, 'Erin-Chose-This-1');
        // The required action is done: the password is no longer temporary.
        expect((await tenant.adapter.readSubjectFacts(erinId)).status).toBe('active');
      } else {
        await idpSignIn(browser, x, idp, 'erin', secret);
      }
      expect(await tenant.probes.signInWithTemporaryCredential(erinId, secret)).toBe(false);
      await erin.context.close();
    }, 240_000);
  }
});
