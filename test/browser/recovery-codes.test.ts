import { listAudit, type RecoveryCodesSettings, verifyAudit } from '@recovery-gate/gate';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, shot, signIn } from './browser.js';
import { heading, person, verifyLink } from './steps.js';
import { type BrowserWorld, startBrowserWorld } from './world.js';

const CODES: RecoveryCodesSettings = {
  count: 8,
  length: 16,
  afterRecovery: true,
  attemptsPerCase: 5,
  attemptsPerSubject: 10,
  subjectWindowMs: 24 * 3_600_000,
};

async function codesOn(page: Page): Promise<string[]> {
  return (await page.locator('#recovery-codes code').allTextContents()).map((c) => c.trim());
}

async function useCode(page: Page, code: string): Promise<string> {
  await page.getByLabel('Saved recovery code').fill(code);
  await page.getByRole('button', { name: 'Use recovery code' }).click();
  await page.waitForLoadState('domcontentloaded');
  return (await page.locator('.notice').first().textContent())?.trim() ?? '';
}

describe('saved recovery codes in the browser (keycloak)', () => {
  let world: BrowserWorld;
  let browser: Browser;
  beforeAll(async () => {
    [world, browser] = await Promise.all([startBrowserWorld('keycloak', { recoveryCodes: CODES }), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('alice creates codes after an MFA sign-in; they are shown once and each works once', async () => {
    const self = await person(browser);
    await self.goto(`${world.gateUrl}/recovery-codes?idp=keycloak`);
    await signIn(self, world, 'alice');
    expect(await heading(self)).toBe('Your recovery codes');
    await expect(self.getByText('You have no recovery codes.').count()).resolves.toBe(1);
    await self.getByRole('button', { name: 'Create codes' }).click();
    await self.waitForLoadState('domcontentloaded');
    const codes = await codesOn(self);
    expect(codes).toHaveLength(8);
    await shot(self, world, 'recovery-codes-issued');
    // A reload re-sends the form: the step-up was spent, so nothing is issued or shown again.
    await self.reload();
    expect(await codesOn(self)).toEqual([]);
    expect(await heading(self)).toBe('Sign in again');
    await shot(self, world, 'recovery-codes-reload');
    const alice = await world.id('alice');
    const sets = await world.store.query('SELECT id FROM recovery_code_sets WHERE subject_id = $1', [alice]);
    expect(sets).toHaveLength(1);

    // A recovery whose tier takes a saved code: the step-up sign-in and one code meet it.
    const first = await world.open('alice', 'recovery_contact_change');
    const page = await person(browser);
    await page.goto(await verifyLink(world, first, 'alice'));
    await signIn(page, world, 'alice');
    expect(await useCode(page, 'ZZZZ-ZZZZ-ZZZZ-ZZZZ')).toContain('not valid');
    expect(await useCode(page, codes[0] as string)).toContain('accepted');
    await shot(page, world, 'recovery-code-accepted');
    const evidence = (await world.engine.getCase(first))?.evidence ?? [];
    expect(evidence.filter((e) => e.kind === 'recovery_code').map((e) => e.outcome)).toEqual(['passed']);
    await world.engine.cancel(first, { by: alice, reason: 'test: a second recovery follows' });

    // On the next recovery the spent code is refused; another one from the set works.
    await world.open('alice', 'recovery_contact_change');
    const cases = await world.engine.listCases({ subjectId: alice, kind: 'recovery' });
    const second = cases.find((c) => c.id !== first && c.state === 'verifying')?.id as string;
    expect(second).toBeDefined();
    await page.goto(world.linkTo(await world.address('alice', 'phone'), 'verify'));
    if (!page.url().includes(`/verify/case/${second}`)) await signIn(page, world, 'alice');
    expect(await useCode(page, codes[0] as string)).toContain('not valid');
    expect(await useCode(page, (codes[1] as string).toLowerCase())).toContain('accepted');
    await shot(page, world, 'recovery-code-reused');

    // Told on every channel each time; the audit chain verifies and names no code.
    const subjects = world.sent.map((n) => n.subject);
    expect(subjects.filter((s) => s === 'New recovery codes for your account').length).toBeGreaterThan(0);
    expect(subjects.filter((s) => s === 'A recovery code was used').length).toBeGreaterThan(1);
    expect((await verifyAudit(world.store)).ok).toBe(true);
    const records = JSON.stringify(await listAudit(world.store, {}));
    expect(records).toContain('recovery_codes.issued');
    expect(records).toContain('recovery_codes.used');
    for (const code of codes) {
      expect(records).not.toContain(code);
      expect(records).not.toContain(code.replaceAll('-', ''));
      expect(JSON.stringify(world.sent)).not.toContain(code.replaceAll('-', ''));
    }
  });
});
