import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, shot, signIn } from './browser.js';
import { person } from './steps.js';
import { type BrowserWorld, LINK_TTL_SECONDS, startBrowserWorld } from './world.js';

describe('Okta Verify push with number matching on the verification page', () => {
  let world: BrowserWorld;
  let browser: Browser;
  beforeAll(async () => {
    [world, browser] = await Promise.all([startBrowserWorld('okta'), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('the page shows alice the number her phone asks for; the right one approves, and only she sees it', async () => {
    const caseId = await world.open('alice', 'account_unlock');
    expect((await world.engine.getCase(caseId))?.tier).toBe('PUSH');
    const aliceId = await world.id('alice');
    const onDevice = world.side.pushNumber?.(aliceId) ?? null;
    expect(onDevice).toEqual(expect.any(Number));
    // The verification link (Okta's seeded phones are unverified, so the test makes the link the gate would send).
    const verify = (await world.engine.createLink(caseId, aliceId, 'verify', LINK_TTL_SECONDS)).url;
    const alice = await person(browser);
    await alice.goto(verify);
    await signIn(alice, world, 'alice');
    expect(alice.url()).toBe(`${world.gateUrl}/verify/case/${caseId}`);
    const shown = Number((await alice.locator('.number-match').textContent())?.trim());
    expect(shown).toBe(onDevice);
    await shot(alice, world, 'push-number');

    // Without the number the device cannot approve; alice picks the one the page shows.
    expect(world.side.answerPush?.(aliceId, 'approve')).toBe(false);
    expect(world.side.answerPush?.(aliceId, 'approve', shown)).toBe(true);
    expect(await world.engine.pollChallenges()).toBe(1);
    await world.engine.tick();
    const c = await world.engine.getCase(caseId);
    expect(c?.evidence.find((e) => e.kind === 'device_challenge')?.outcome).toBe('passed');
    expect(c?.state).toBe('completed');
    await alice.reload();
    await expect(alice.locator('.number-match').count()).resolves.toBe(0);
    await shot(alice, world, 'push-approved');

    // Frank (the requester) cannot open her page, so he never sees the number.
    const frank = await person(browser);
    const response = await frank.goto(`${world.gateUrl}/verify/case/${caseId}`);
    expect(response?.status()).toBe(403);
  });
});
