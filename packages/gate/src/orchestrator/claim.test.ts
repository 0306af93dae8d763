import { describe, expect, it } from 'vitest';
import { event, useOktaDouble } from './setup.test-helper.js';

/**
 * The page's claim (`confirm: 'caller'`): the credential counts as delivered only once the page confirms its
 * answer left. Until then nothing runs on; collecting again revokes the unconfirmed one and issues a fresh
 * one; a subject who never comes back has the case expire and the orphan revoked. The fake IdP's live
 * credentials are the oracle.
 */
describe('a credential claimed by a page, delivered once its answer leaves', { timeout: 120_000 }, () => {
  const t = useOktaDouble();
  const { clock } = t;

  async function ready(): Promise<string> {
    await t.env.engine.handleEvent(
      event('okta', { subject: { userId: 'u-alice', login: 'alice' }, occurredAt: clock.now.toISOString() }),
    );
    const [c] = await t.env.engine.listCases({ subjectId: 'u-alice' });
    if (!c) throw new Error('no case');
    await t.env.engine.recordEvidence(c.id, { kind: 'phone_otp', by: 'u-alice', channelId: 'phone:mobile' });
    await t.env.engine.recordApproval(c.id, {
      approverId: 'u-erin',
      role: 'manager',
      decision: 'approve',
      reason: 'ok',
    });
    expect((await t.env.engine.getCase(c.id))?.state).toBe('executing');
    return c.id;
  }

  const step = async (id: string, name: string) =>
    (await t.env.engine.getCase(id))?.journal.find((j) => j.step === name);

  it('waits for the confirmation, then runs the rest of the plan; a second confirmation does nothing', async () => {
    const id = await ready();
    const claimed = await t.env.engine.claimCredential(id, 'u-alice', { confirm: 'caller' });
    expect((await step(id, 'issue'))?.state).toBe('done');
    expect((await step(id, 'deliver'))?.state).not.toBe('done');
    t.env.advance(60_000);
    await t.env.engine.tick();
    expect((await t.env.engine.getCase(id))?.state).toBe('executing');
    expect(await t.env.engine.confirmDelivery(id, 'u-alice', claimed.credentialId)).toBe(true);
    expect((await t.env.engine.getCase(id))?.state).toBe('completed');
    expect(await t.env.engine.confirmDelivery(id, 'u-alice', claimed.credentialId)).toBe(false);
    expect(t.idp.liveCredentials('u-alice').map((c) => c.secret)).toEqual([claimed.secret.reveal()]);
  });

  it('an unconfirmed credential is revoked when the subject collects again: one live, the one shown', async () => {
    const id = await ready();
    const lost = await t.env.engine.claimCredential(id, 'u-alice', { confirm: 'caller' });
    const fresh = await t.env.engine.claimCredential(id, 'u-alice', { confirm: 'caller' });
    expect(fresh.credentialId).not.toBe(lost.credentialId);
    expect((await step(id, 'issue'))?.result.replacedOrphan).toBe(lost.credentialId);
    expect(t.idp.liveCredentials('u-alice').map((c) => c.secret)).toEqual([fresh.secret.reveal()]);
    // The lost page's late confirmation names a credential that is no longer the case's.
    expect(await t.env.engine.confirmDelivery(id, 'u-alice', lost.credentialId)).toBe(false);
    expect(await t.env.engine.confirmDelivery(id, 'u-alice', fresh.credentialId)).toBe(true);
    expect((await t.env.engine.getCase(id))?.state).toBe('completed');
    await expect(t.env.engine.claimCredential(id, 'u-alice')).rejects.toMatchObject({
      code: 'ERR_LINK_INVALID',
    });
  });

  it('a case past its expiry issues nothing, even before the timer has expired it', async () => {
    const id = await ready();
    const expires = (await t.env.engine.getCase(id))?.expiresAt as string;
    clock.now = new Date(Date.parse(expires) + 1_000);
    await expect(t.env.engine.claimCredential(id, 'u-alice', { confirm: 'caller' })).rejects.toMatchObject({
      code: 'ERR_LINK_INVALID',
    });
    expect(t.idp.liveCredentials('u-alice')).toHaveLength(0);
  });

  it('a subject who never comes back: the case expires and the unconfirmed credential is revoked', async () => {
    const id = await ready();
    await t.env.engine.claimCredential(id, 'u-alice', { confirm: 'caller' });
    expect(t.idp.liveCredentials('u-alice')).toHaveLength(1);
    const expires = (await t.env.engine.getCase(id))?.expiresAt as string;
    clock.now = new Date(Date.parse(expires) + 1_000);
    await t.env.engine.tick();
    const c = await t.env.engine.getCase(id);
    expect(c?.state).toBe('failed');
    expect(c?.reason).toBe('credential_not_collected');
    expect(t.idp.liveCredentials('u-alice')).toHaveLength(0);
  });
});
