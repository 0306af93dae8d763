/**
 * "This wasn't me" after the recovery ran and the credential was collected: the cancel link from the hold
 * notice still works, and the engine repudiates the recovery. The emulator is the oracle: the uncollected
 * or unused credential no longer signs in, the subject's sessions and refresh tokens are refused, and
 * security got the alert.
 * @module
 */

import type { Browser } from 'playwright-core';
import { expect } from 'vitest';
import { shot, signIn } from './browser.js';
import { heading, person } from './steps.js';
import { type BrowserWorld, LINK_TTL_SECONDS } from './world.js';

/** Collects the temporary credential as the verified subject, on the gate's page (every IdP). */
async function collect(
  world: BrowserWorld,
  b: Browser,
  caseId: string,
): Promise<{ secret: string; verify: string }> {
  // The verification link as the gate makes it (which channels carry it is the first test's subject).
  const bobId = await world.id('bob');
  const verify = (await world.engine.createLink(caseId, bobId, 'verify', LINK_TTL_SECONDS)).url;
  const bob = await person(b);
  await bob.goto(verify);
  await signIn(bob, world, 'bob');
  expect(bob.url()).toBe(`${world.gateUrl}/verify/case/${caseId}`);
  expect((await world.engine.getCase(caseId))?.state).toBe('held');
  // The hold ends; the engine runs the rebind and issues the credential.
  world.clock.now = new Date(world.clock.now.getTime() + 601_000);
  await world.engine.tick();
  await bob.reload();
  await bob.getByRole('link', { name: 'Sign in to view it' }).click();
  await signIn(bob, world, 'bob');
  expect(bob.url()).toBe(`${world.gateUrl}/verify/case/${caseId}/credential`);
  const secret = (await bob.locator('#credential').textContent())?.trim() ?? '';
  expect(secret.length).toBeGreaterThan(5);
  return { secret, verify };
}

/** Runs the scenario; returns the links it used up. */
export async function repudiateAfterCollection(world: BrowserWorld, b: Browser): Promise<string[]> {
  const bobId = await world.id('bob');
  const caseId = await world.open('bob', 'authenticator_rebind');
  expect((await world.engine.getCase(caseId))?.tier).toBe('REBIND');
  const { secret, verify } = await collect(world, b, caseId);
  // Delivery is confirmed once the page's answer has left; the rest of the plan runs after it.
  await expect
    .poll(async () => (await world.engine.getCase(caseId))?.state, { timeout: 30_000 })
    .toBe('completed');

  // Keycloak: the subject signs in with the temporary password and sets a new one (before that, no app
  // sign-in with a password works: the gate replaced it).
  if (world.idp === 'keycloak') expect(await world.side.credentialWorks(bobId, secret)).toBe(true);
  // The subject's sessions: the one the browser signed in with, and an app's session with a refresh token.
  const app = await world.side.mintSession(bobId);
  expect(await world.side.oidc.refreshTokenWorks(app.refreshToken)).toBe(true);
  const browserSessions = (await world.side.oidc.listSessions(bobId)).filter(
    (s) => s.sessionId !== app.sessionId,
  );
  // Keycloak's browser session ended with the password the gate replaced: the app session is the oracle there.
  if (world.idp !== 'keycloak') expect(browserSessions.length).toBeGreaterThan(0);
  const mail = world.side
    .outbox()
    .filter((m) => m.userId === bobId)
    .at(-1);
  // No IdP mails the credential (Keycloak included): the gate showed it once.
  expect(mail).toBeUndefined();

  // The hold notice's cancel link outlives the run.
  const link = world.linkTo(await world.address('bob', 'email', true), 'cancel');
  const owner = await person(b);
  await owner.goto(link);
  expect(await heading(owner)).toBe('A recovery of your account ran');
  await shot(owner, world, 'cancel-after-run');
  await owner.getByRole('button', { name: /This wasn't me/ }).click();
  await owner.waitForLoadState('domcontentloaded');
  expect(await heading(owner)).toBe('Access revoked');
  // The page lists the lock-down as the incident's journal records it, every step done.
  const undone = owner.locator('#undone li');
  await expect(undone.count()).resolves.toBe(5);
  await expect(undone.filter({ hasText: 'done' }).count()).resolves.toBe(5);
  await shot(owner, world, 'repudiated');

  const c = await world.engine.getCase(caseId);
  expect(c?.state).toBe('repudiated');
  expect(
    world.sent.some(
      (n) =>
        n.to.kind === 'security' &&
        n.subject === `Completed recovery repudiated: ${c?.subjectLogin ?? bobId}`,
    ),
  ).toBe(true);
  // Entra applies revokeSignInSessions within a few minutes: let that pass on its clock before looking.
  await world.side.probes?.awaitRevocation?.();
  expect(await world.side.oidc.refreshTokenWorks(app.refreshToken)).toBe(false);
  expect(await world.side.oidc.sessionActive(app.sessionId)).toBe(false);
  for (const s of browserSessions) expect(await world.side.oidc.sessionActive(s.sessionId)).toBe(false);
  expect(await world.side.oidc.listSessions(bobId)).toEqual([]);
  expect(await world.side.credentialWorks(bobId, secret)).toBe(false);
  return [verify, link];
}
