/**
 * Supervised in-person proofing in a real browser (Okta): on a privileged recovery (tier T4), a security
 * officer signs in through the approval link, records the identity document they checked, and is then no
 * longer offered the approval; the evidence names the officer, never the subject or the requester.
 */

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, shot, signIn } from './browser.js';
import { heading, person } from './steps.js';
import { type BrowserWorld, startBrowserWorld } from './world.js';

describe('in-person proofing on the approval page (okta)', () => {
  let world: BrowserWorld;
  let browser: Browser;

  beforeAll(async () => {
    [world, browser] = await Promise.all([startBrowserWorld('okta'), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  const securityLink = (caseId: string): string => {
    const url = world.sent
      .filter((n) => n.to.kind === 'security' && n.subject.startsWith('Approval needed'))
      .flatMap((n) => n.links ?? [])
      .map((l) => l.url)
      .find((u) => u.includes('/approve/'));
    if (!url) throw new Error(`no security-team approval link for ${caseId}`);
    return url;
  };

  async function record(page: Page, document: string): Promise<void> {
    await page.getByLabel('Document checked').selectOption({ label: document });
    await page.getByLabel(/I met this person/).check();
    await page.getByRole('button', { name: 'Record the in-person check' }).click();
    await page.waitForLoadState('domcontentloaded');
  }

  it('a security officer records the document check as themselves and is then not offered the approval', async () => {
    const caseId = await world.open('carol');
    expect((await world.engine.getCase(caseId))?.tier).toBe('T4');
    const link = securityLink(caseId);

    const sam = await person(browser);
    await sam.goto(link);
    await signIn(sam, world, 'sam');
    expect(sam.url()).toBe(`${world.gateUrl}/approve/case/${caseId}`);
    await expect(sam.getByRole('button', { name: 'Record the in-person check' }).count()).resolves.toBe(1);
    await shot(sam, world, 'proofing-offered');

    // The browser enforces the form; a bare submit without the confirmation records nothing.
    await sam.getByRole('button', { name: 'Record the in-person check' }).click();
    expect(
      (await world.engine.getCase(caseId))?.evidence.filter((e) => e.kind === 'supervised_proofing'),
    ).toHaveLength(0);

    await record(sam, 'Passport');
    expect(await heading(sam)).toBe('Check recorded');
    await shot(sam, world, 'proofing-recorded');
    const proofs = (await world.engine.getCase(caseId))?.evidence.filter(
      (e) => e.kind === 'supervised_proofing',
    );
    expect(proofs).toHaveLength(1);
    expect(proofs?.[0]).toMatchObject({ personId: await world.id('sam'), outcome: 'passed' });
    expect(proofs?.[0]?.data).toMatchObject({ method: 'in_person', document: 'passport' });

    // Back on the case: the check is not offered twice, and the officer may not approve as well.
    await sam.goto(`${world.gateUrl}/approve/case/${caseId}`);
    await expect(sam.getByRole('button', { name: 'Record the in-person check' }).count()).resolves.toBe(0);
    await expect(sam.getByRole('button', { name: 'Submit decision' }).count()).resolves.toBe(0);
    expect((await world.engine.getCase(caseId))?.approvals ?? []).toHaveLength(0);
  });
});
