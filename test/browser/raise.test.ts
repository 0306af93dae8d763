import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, shot, signIn } from './browser.js';
import { heading, person } from './steps.js';
import { type BrowserWorld, startBrowserWorld } from './world.js';

describe('raising a case at the gate (keycloak)', () => {
  let world: BrowserWorld;
  let browser: Browser;
  beforeAll(async () => {
    [world, browser] = await Promise.all([startBrowserWorld('keycloak'), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('frank (help desk) raises carol’s recovery after an MFA sign-in; he is its requester and cannot approve it', async () => {
    const frank = await person(browser);
    await frank.goto(`${world.gateUrl}/raise?idp=keycloak`);
    await signIn(frank, world, 'frank');
    expect(await heading(frank)).toBe('Raise a recovery');
    await frank.getByLabel('Account (login or id)').fill(world.side.login('carol'));
    await frank.getByLabel('What is needed').selectOption('mfa_reset');
    await frank.getByRole('button', { name: 'Raise the recovery' }).click();
    await frank.waitForLoadState('domcontentloaded');
    await expect(frank.getByText(/Recovery raised for/).count()).resolves.toBe(1);
    await shot(frank, world, 'raise');
    const carolId = await world.id('carol');
    const [c] = await world.engine.listCases({ subjectId: carolId, kind: 'recovery' });
    expect(c?.requesterId).toBe(await world.id('frank'));
    expect(c?.tier).toBe('T4');
    await expect(
      world.engine.recordApproval(c?.id ?? '', {
        approverId: await world.id('frank'),
        role: 'security_team',
        decision: 'approve',
        reason: 'me',
      }),
    ).rejects.toMatchObject({ code: 'ERR_SEPARATION_OF_DUTIES' });

    // His own recovery is refused, and nothing opens.
    await frank.getByLabel('Account (login or id)').fill(world.side.login('frank'));
    await frank.getByRole('button', { name: 'Raise the recovery' }).click();
    await expect(frank.getByText('Your own recovery must be raised by someone else.').count()).resolves.toBe(
      1,
    );
    expect(await world.engine.listCases({ subjectId: await world.id('frank') })).toEqual([]);
  });

  it('alice, who is not in the help desk, is refused after signing in; a forged post opens nothing', async () => {
    const alice = await person(browser);
    await alice.goto(`${world.gateUrl}/raise?idp=keycloak`);
    await signIn(alice, world, 'alice');
    expect(await heading(alice)).toBe('No access');
    const response = await alice.request.post(`${world.gateUrl}/raise`, {
      form: { subject: world.side.login('bob'), action: 'mfa_reset', csrf: 'forged' },
    });
    expect(response.status()).toBe(403);
    expect(await world.engine.listCases({ subjectId: await world.id('bob') })).toEqual([]);
  });
});
