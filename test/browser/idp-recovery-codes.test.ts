import { parsePolicy } from '@recovery-gate/core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, PASSWORD, shot } from './browser.js';
import { person, verifyLink } from './steps.js';
import { type BrowserWorld, LINK_TTL_SECONDS, PAGES_POLICY, startBrowserWorld } from './world.js';

const DAY = 24 * 3_600_000;

/** A contact change of a standard user: a step-up sign-in or one of the IdP's own recovery codes (on file for a week). */
const POLICY = parsePolicy({
  ...PAGES_POLICY,
  tiers: {
    ...PAGES_POLICY.tiers,
    NATIVE_CODES: {
      description: "Contact change proven by one of the IdP's own recovery codes.",
      rank: 5,
      evidence: { anyOf: ['idp_recovery_code', 'oidc_step_up'] },
      freshness: { evidenceMaxAge: '30m', channelMinAge: '7d' },
      credential: { lifetime: '30m', singleUse: true },
      revoke: ['sessions', 'refresh_tokens'],
      notify: ['subject', 'security'],
    },
  },
  matrix: {
    ...PAGES_POLICY.matrix,
    recovery_contact_change: { ...PAGES_POLICY.matrix.recovery_contact_change, standard: 'NATIVE_CODES' },
  },
});

/** At the IdP: the password, then "Try another way" from the one-time code, then the recovery code. */
async function signInWithCode(page: Page, world: BrowserWorld, name: string, code: string): Promise<void> {
  await page.locator('input[name=login]').waitFor();
  await page.fill('input[name=login]', world.side.login(name));
  await page.fill('input[name=password]', PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: /use a recovery code/ }).click();
  await page.fill('input[name=recoveryCodeInput]', code);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('domcontentloaded');
}

describe("the IdP's own recovery codes in the browser (keycloak)", () => {
  let world: BrowserWorld;
  let browser: Browser;
  beforeAll(async () => {
    [world, browser] = await Promise.all([startBrowserWorld('keycloak', {}, POLICY), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  async function evidenceOf(caseId: string): Promise<string[]> {
    const c = await world.engine.getCase(caseId);
    return (c?.evidence ?? []).map((e) => `${e.kind}:${e.outcome}`);
  }

  it('alice signs in with one of her Keycloak recovery codes: idp_recovery_code, never oidc_step_up', async () => {
    const enrol = world.side.enrolNativeRecoveryCodes;
    if (!enrol) throw new Error('the keycloak side enrols native codes');
    const alice = await world.id('alice');
    const codes = enrol(alice, Date.now() - 30 * DAY);
    const id = await world.open('alice', 'recovery_contact_change');
    expect((await world.engine.getCase(id))?.tier).toBe('NATIVE_CODES');
    const page = await person(browser);
    await page.goto(await verifyLink(world, id, 'alice'));
    // The link's sign-in asks for the second factor; alice takes "Try another way" instead of her OTP.
    await signInWithCode(page, world, 'alice', codes[0] as string);
    await page.waitForURL((url) => url.href.startsWith(world.gateUrl));
    await expect(page.locator('.notice').first().textContent()).resolves.toContain(
      'saved recovery code is recorded',
    );
    await shot(page, world, 'idp-recovery-code-recorded');
    expect(await evidenceOf(id)).toEqual(['idp_recovery_code:passed']);
    await world.engine.tick();
    expect((await world.engine.getCase(id))?.decision?.outcome).toBe('satisfied');
  });

  it('codes created inside the channel age do not count: the case stays open', async () => {
    const enrol = world.side.enrolNativeRecoveryCodes;
    if (!enrol) throw new Error('the keycloak side enrols native codes');
    const codes = enrol(await world.id('bob'), Date.now() - DAY);
    const id = await world.open('bob', 'recovery_contact_change');
    expect((await world.engine.getCase(id))?.tier).toBe('NATIVE_CODES');
    const page = await person(browser);
    // Bob's phone may not carry links here: a link of the gate's own, as an agent would hand over.
    await page.goto(
      (await world.engine.createLink(id, await world.id('bob'), 'verify', LINK_TTL_SECONDS)).url,
    );
    await signInWithCode(page, world, 'bob', codes[0] as string);
    await page.waitForURL((url) => url.href.startsWith(world.gateUrl));
    await world.engine.tick();
    const after = await world.engine.getCase(id);
    expect(after?.state).toBe('verifying');
    expect(after?.decision?.ignored.join()).toContain('RECOVERY_CODES_TOO_NEW');
  });
});
