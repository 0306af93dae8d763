/**
 * The page flows in a real browser, run once per IdP: approvals by the manager and a second agent, the
 * requester refused, the subject's step-up and phone code, the credential shown once (or the IdP's own
 * email link working once), "this wasn't me", the case view, and reused or expired links refused.
 * @module
 */

import type { IdpKind } from '@recovery-gate/core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, shot, signIn } from './browser.js';
import { repudiateAfterCollection } from './repudiate.js';
import { heading, person, phoneVerified, verifyLink } from './steps.js';
import { type BrowserWorld, LINK_TTL_SECONDS, startBrowserWorld } from './world.js';

function approveLinks(world: BrowserWorld): { manager: string; pool: string } {
  const links = world.sent.filter((n) => n.subject.startsWith('Approval needed'));
  const manager = links.find((n) => n.to.kind !== 'security')?.links?.[0]?.url;
  const pool = links.find((n) => n.to.kind === 'security')?.links?.[0]?.url;
  if (!manager || !pool) throw new Error('approval links were not sent');
  return { manager, pool };
}

async function approve(page: Page, reason: string): Promise<void> {
  await page.getByLabel(/Approve: I confirmed/).check();
  await page.getByLabel('Reason').fill(reason);
  await page.getByRole('button', { name: 'Submit decision' }).click();
  await page.waitForLoadState('domcontentloaded');
}

/** Defines the suite for one IdP. */
export function pagesSuite(idp: IdpKind): void {
  describe(`pages on ${idp}`, () => {
    let world: BrowserWorld;
    let browser: Browser;
    const used: string[] = [];

    beforeAll(async () => {
      [world, browser] = await Promise.all([startBrowserWorld(idp), launch()]);
    });
    afterAll(async () => {
      await browser?.close();
      await world?.close();
    });

    it('the subject steps up, manager and second agent approve, the requester is refused, access is shown once', async () => {
      const caseId = await world.open('alice');
      expect((await world.engine.getCase(caseId))?.tier).toBe('PAGES');
      const aliceId = await world.id('alice');

      // Read before the MFA reset: on Entra the phone is an authentication method the reset removes.
      const alicePhone = await world.address('alice', 'phone');
      const verify = await verifyLink(world, caseId, 'alice');
      const token = verify.slice(verify.lastIndexOf('/') + 1);
      const alice = await person(browser);
      await alice.goto(verify);
      await signIn(alice, world, 'alice');
      expect(alice.url()).toBe(`${world.gateUrl}/verify/case/${caseId}`);
      expect(alice.url()).not.toContain(token);
      const stepUp = (await world.engine.getCase(caseId))?.evidence.find((e) => e.kind === 'oidc_step_up');
      expect(stepUp?.personId).toBe(aliceId);
      // A second factor: Okta and Entra say `mfa`; Keycloak names the steps (`pwd`, `otp`).
      expect(String(stepUp?.data.amr)).toMatch(/\bmfa\b|\botp\b/);
      await shot(alice, world, 'verify');
      if (await phoneVerified(world, 'alice')) {
        await alice.getByRole('button', { name: 'Send me a code' }).click();
        const sms = world.sent
          .filter((n) => n.to.kind === 'phone' && n.subject === 'Your verification code')
          .at(-1);
        const code = /\b(\d{6})\b/.exec(sms?.text ?? '')?.[1];
        expect(code).toMatch(/^\d{6}$/);
        await shot(alice, world, 'verify-code-sent');
        await alice.getByLabel('Code we sent you').fill('000000' === code ? '111111' : '000000');
        await alice.getByRole('button', { name: 'Check code' }).click();
        await expect(alice.getByText('That code is not right').count()).resolves.toBe(1);
        await alice.getByLabel('Code we sent you').fill(code as string);
        await alice.getByRole('button', { name: 'Check code' }).click();
        await expect(alice.getByText('Your phone is confirmed.').count()).resolves.toBe(1);
        const otp = (await world.engine.getCase(caseId))?.evidence.find((e) => e.kind === 'phone_otp');
        expect(otp?.outcome).toBe('passed');
      } else {
        // An unverified number never counts, so no code is offered.
        await expect(alice.getByRole('button', { name: 'Send me a code' }).count()).resolves.toBe(0);
      }
      expect((await world.engine.getCase(caseId))?.state).toBe('verifying');

      const { manager, pool } = approveLinks(world);
      const erin = await person(browser);
      await erin.goto(manager);
      await signIn(erin, world, 'erin');
      expect(erin.url()).toBe(`${world.gateUrl}/approve/case/${caseId}`);
      expect(await heading(erin)).toBe('Approval requested');
      await expect(erin.getByRole('heading', { name: 'Risk signals' }).count()).resolves.toBe(1);
      await shot(erin, world, 'approve');
      await approve(erin, 'Video call, recognised her');
      expect(await heading(erin)).toBe('Approved');
      await shot(erin, world, 'approved');

      const frank = await person(browser);
      await frank.goto(pool);
      await signIn(frank, world, 'frank');
      expect(await heading(frank)).toBe('You cannot approve this recovery');
      await shot(frank, world, 'approve-requester-refused');

      // Someone outside the pool's group is refused before the link is used up.
      const sam = await person(browser);
      await sam.goto(pool);
      await signIn(sam, world, 'sam');
      expect(await heading(sam)).toBe('You cannot approve this recovery');
      await expect(sam.getByText(/does not list you in the role/).count()).resolves.toBe(1);
      await shot(sam, world, 'approve-ineligible-refused');

      const gina = await person(browser);
      await gina.goto(pool);
      await signIn(gina, world, 'gina');
      expect(await heading(gina)).toBe('Approval requested');
      await approve(gina, 'Checked the ticket and called back on the number on file');
      expect(await heading(gina)).toBe('Approved');
      const approvals = (await world.engine.getCase(caseId))?.approvals ?? [];
      expect(approvals.map((a) => `${a.personId}:${a.role}`).sort()).toEqual(
        [`${await world.id('erin')}:manager`, `${await world.id('gina')}:second_agent`].sort(),
      );
      used.push(verify, manager, pool);

      await alice.reload();
      // Keycloak too: nothing goes to the mailbox of the account being recovered; the gate shows it once.
      expect(world.side.outbox().filter((m) => m.userId === aliceId)).toEqual([]);
      expect((await world.engine.getCase(caseId))?.state).toBe('executing');
      await expect(alice.getByText('Your temporary access is ready').count()).resolves.toBe(1);
      await shot(alice, world, 'verify-ready');
      if (idp === 'entra') {
        // From the "your access is ready" notice: the reveal link, in a fresh browser, after a fresh sign-in.
        const reveal = world.linkTo(alicePhone, 'reveal');
        await alice.context().clearCookies();
        await alice.goto(reveal);
        used.push(reveal);
      } else {
        await alice.getByRole('link', { name: 'Sign in to view it' }).click();
      }
      await signIn(alice, world, 'alice');
      expect(alice.url()).toBe(`${world.gateUrl}/verify/case/${caseId}/credential`);
      const secret = (await alice.locator('#credential').textContent())?.trim() ?? '';
      expect(secret.length).toBeGreaterThan(5);
      await shot(alice, world, 'credential');
      await alice.reload();
      expect(await heading(alice)).toBe('Nothing to show');
      await expect(alice.locator('#credential').count()).resolves.toBe(0);
      await shot(alice, world, 'credential-gone');
      // Delivery is confirmed once the page's answer has left; the rest of the plan runs after it.
      await expect
        .poll(async () => (await world.engine.getCase(caseId))?.state, { timeout: 30_000 })
        .toBe('completed');
      expect(await world.side.credentialWorks(aliceId, secret)).toBe(true);
    });

    it('"this wasn\'t me" cancels a held recovery; nothing is issued', async () => {
      const caseId = await world.open('bob', 'password_reset');
      await world.engine.recordApproval(caseId, {
        approverId: await world.id('erin'),
        role: 'manager',
        decision: 'approve',
        reason: 'asked by phone',
      });
      expect((await world.engine.getCase(caseId))?.state).toBe('held');
      const link = world.linkTo(await world.address('bob', 'email', true), 'cancel');
      const bob = await person(browser);
      await bob.goto(link);
      expect(bob.url()).toBe(`${world.gateUrl}/cancel`);
      expect(await heading(bob)).toBe('A recovery of your account is pending');
      await shot(bob, world, 'cancel-confirm');
      await bob.getByRole('button', { name: /This wasn't me/ }).click();
      await bob.waitForLoadState('domcontentloaded');
      expect(await heading(bob)).toBe('Recovery stopped');
      await shot(bob, world, 'cancelled');
      const c = await world.engine.getCase(caseId);
      expect(c?.state).toBe('cancelled');
      expect(c?.journal.some((j) => ['revoke', 'reset', 'issue'].includes(j.step))).toBe(false);
      expect(world.sent.some((n) => n.to.kind === 'security' && n.subject.includes('cancelled'))).toBe(true);
      // The emulator is the oracle: no temporary credential exists for bob.
      const bobId = await world.id('bob');
      if (idp === 'keycloak') expect(world.side.outbox().some((m) => m.userId === bobId)).toBe(false);
      else
        await expect(world.engine.claimCredential(caseId, bobId)).rejects.toMatchObject({
          code: 'ERR_LINK_INVALID',
        });
      world.clock.now = new Date(world.clock.now.getTime() + 2 * 3600_000);
      await world.engine.tick();
      expect((await world.engine.getCase(caseId))?.state).toBe('cancelled');
      used.push(link);
    });

    it('"this wasn\'t me" after the credential was collected revokes it and the subject\'s sessions', async () => {
      used.push(...(await repudiateAfterCollection(world, browser)));
    });

    it('the case view needs a role from the IdP', async () => {
      const sam = await person(browser);
      await sam.goto(`${world.gateUrl}/cases`);
      await signIn(sam, world, 'sam');
      expect(sam.url()).toBe(`${world.gateUrl}/cases`);
      expect(await heading(sam)).toBe('Recovery cases');
      await expect(sam.getByText(/Audit chain verified/).count()).resolves.toBe(1);
      await shot(sam, world, 'cases');
      await sam.locator('table a').first().click();
      await expect(sam.getByRole('heading', { name: 'Timeline' }).count()).resolves.toBe(1);
      await shot(sam, world, 'case');

      const frank = await person(browser);
      const denied = await frank.goto(`${world.gateUrl}/cases`);
      expect(denied?.url()).not.toContain(world.gateUrl);
      await signIn(frank, world, 'frank');
      expect(await heading(frank)).toBe('No access');
    });

    it('a reused or expired link is refused', async () => {
      const page = await person(browser);
      for (const link of used) {
        const response = await page.goto(link);
        expect(response?.status()).toBe(410);
        expect(await heading(page)).toBe('This link can no longer be used');
      }
      await shot(page, world, 'link-refused');
      const fresh = await verifyLink(world, await world.open('erin'), 'erin');
      world.clock.now = new Date(world.clock.now.getTime() + (LINK_TTL_SECONDS + 1) * 1000);
      const response = await page.goto(fresh);
      expect(response?.status()).toBe(410);
      expect(page.url()).toBe(fresh.replace(/^https?:\/\/[^/]+/, world.gateUrl));
    });
  });
}
