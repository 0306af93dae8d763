import { baselinePolicyInput, isGateError, parsePolicy } from '@recovery-gate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeIdp, type FakeIdp } from './fake-idp.test-helper.js';
import { type Env, event, startEnv } from './setup.test-helper.js';

class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

/** The baseline where every tier explicitly lets Keycloak mail its action link. */
const MAILING = parsePolicy({
  ...baselinePolicyInput,
  tiers: Object.fromEntries(
    Object.entries(baselinePolicyInput.tiers).map(([name, tier]) => [
      name,
      { ...tier, credential: { ...tier.credential, kind: 'keycloak_action_link' } },
    ]),
  ),
});

describe('Keycloak delivery by the gate (the default)', { timeout: 120_000 }, () => {
  let env: Env;
  let idp: FakeIdp;
  const clock = { now: new Date('2026-11-22T10:00:00.000Z') };
  beforeEach(async () => {
    clock.now = new Date('2026-11-22T10:00:00.000Z');
    idp = createFakeIdp('keycloak', () => clock.now);
  }, 120_000);
  afterEach(async () => {
    await env.close();
  }, 120_000);

  async function satisfy(name: string): Promise<string> {
    await env.engine.handleEvent(
      event('keycloak', {
        subject: { userId: `u-${name}`, login: name },
        occurredAt: clock.now.toISOString(),
      }),
    );
    const [c] = await env.engine.listCases({ subjectId: `u-${name}` });
    if (!c) throw new Error('no case');
    if (name === 'carol') {
      await env.engine.recordEvidence(c.id, { kind: 'supervised_proofing', by: 'u-gina' });
      for (const who of ['u-sam', 'u-sara'])
        await env.engine.recordApproval(c.id, {
          approverId: who,
          role: 'security_team',
          decision: 'approve',
          reason: 'ok',
        });
      env.advance(5 * 3_600_000);
      await env.engine.tick();
      return c.id;
    }
    await env.engine.recordEvidence(c.id, { kind: 'phone_otp', by: `u-${name}`, channelId: 'phone:mobile' });
    await env.engine.recordApproval(c.id, {
      approverId: 'u-erin',
      role: 'manager',
      decision: 'approve',
      reason: 'ok',
    });
    return c.id;
  }

  it('nothing is mailed: the subject collects a temporary password once; unused, it is revoked at its expiry', async () => {
    env = await startEnv(new Map([['keycloak', idp.provider]]), clock);
    const id = await satisfy('alice');
    expect((await env.engine.getCase(id))?.state).toBe('executing');
    const claimed = await env.engine.claimCredential(id, 'u-alice');
    expect(claimed.kind).toBe('keycloak_temporary_password');
    const issued = idp.calls.filter((c) => c.method === 'issueTemporaryCredential');
    expect(issued).toHaveLength(1);
    const c = await env.engine.getCase(id);
    expect(c?.state).toBe('completed');
    expect(c?.journal.find((j) => j.step === 'deliver')?.result).toMatchObject({ delivery: 'gate' });
    expect(idp.liveCredentials('u-alice')).toHaveLength(1);
    const revokes = () => idp.calls.filter((x) => x.method === 'revokeTemporaryCredential').length;
    const left = Date.parse(claimed.expiresAt) - clock.now.getTime();
    env.advance(left - 1_000);
    await env.engine.tick();
    expect(revokes()).toBe(0);
    env.advance(2_000);
    await env.engine.tick();
    await env.engine.tick();
    expect(revokes()).toBe(1);
    expect((await env.engine.getCase(id))?.journal.find((j) => j.step === 'revoke_credential')?.state).toBe(
      'done',
    );
  });

  it('a tier that lets Keycloak mail the account mailbox is still overruled for a privileged subject', async () => {
    env = await startEnv(new Map([['keycloak', idp.provider]]), clock, MAILING);
    const id = await satisfy('carol');
    expect((await env.engine.getCase(id))?.state).toBe('executing');
    expect((await env.engine.claimCredential(id, 'u-carol')).kind).toBe('keycloak_temporary_password');
  });
});

describe('IdP delivery (keycloak double, tier allows the action email)', { timeout: 120_000 }, () => {
  let env: Env;
  let idp: FakeIdp;
  const clock = { now: new Date('2026-11-22T10:00:00.000Z') };

  beforeEach(async () => {
    clock.now = new Date('2026-11-22T10:00:00.000Z');
    idp = createFakeIdp('keycloak', () => clock.now);
    env = await startEnv(new Map([['keycloak', idp.provider]]), clock, MAILING);
  }, 120_000);
  afterEach(async () => {
    await env.close();
  }, 120_000);

  async function satisfyAlice(): Promise<string> {
    await env.engine.handleEvent(
      event('keycloak', {
        subject: { userId: 'u-alice', login: 'alice' },
        occurredAt: clock.now.toISOString(),
      }),
    );
    const [c] = await env.engine.listCases({ subjectId: 'u-alice' });
    if (!c) throw new Error('no case');
    await env.engine.recordEvidence(c.id, { kind: 'phone_otp', by: 'u-alice', channelId: 'phone:mobile' });
    await env.engine.recordApproval(c.id, {
      approverId: 'u-erin',
      role: 'manager',
      decision: 'approve',
      reason: 'ok',
    });
    return c.id;
  }

  it('the IdP mails the action link to a trusted personal address (never the account mailbox) and the case completes', async () => {
    const id = await satisfyAlice();
    const c = await env.engine.getCase(id);
    expect(c?.state).toBe('completed');
    const issue = c?.journal.find((j) => j.step === 'issue');
    expect(issue?.result).toMatchObject({ delivery: 'idp', deliveredTo: 'email:personal' });
    expect(idp.liveCredentials('u-alice')).toHaveLength(1);
    const refused = await env.engine.claimCredential(id, 'u-alice').catch((e: unknown) => e);
    expect(isGateError(refused, 'ERR_LINK_INVALID')).toBe(true);
    expect(idp.markers()).not.toContain('u-alice:mfa_reset');
  });

  it('the plan that starts at the approval issues without reading the issue entry it knows is not there', async () => {
    const query = env.store.query.bind(env.store);
    const issueReads: string[] = [];
    env.store.query = (sql, params, options) => {
      if (/^SELECT \* FROM case_journal/.test(sql.trim()) && params?.[1] === 'issue') issueReads.push(sql);
      return query(sql, params, options);
    };
    try {
      const id = await satisfyAlice();
      expect((await env.engine.getCase(id))?.state).toBe('completed');
    } finally {
      env.store.query = query;
    }
    expect(idp.calls.filter((c) => c.method === 'issueTemporaryCredential')).toHaveLength(1);
    expect(issueReads).toEqual([]);
  });

  it('a crash while an IdP without a send record sends the link never sends a second one; security is told', async () => {
    env.restart({
      onSideEffect: (_id, step) => {
        if (step === 'issue') throw new SimulatedCrash('killed');
      },
    });
    const id = await satisfyAlice().catch(async (e: unknown) => {
      if (!(e instanceof SimulatedCrash)) throw e;
      const [c] = await env.engine.listCases({ subjectId: 'u-alice' });
      return c?.id ?? '';
    });
    expect(idp.liveCredentials('u-alice')).toHaveLength(1);
    env.restart({});
    env.advance(1_000);
    await env.engine.tick();
    expect((await env.engine.getCase(id))?.state).toBe('completed');
    expect(idp.liveCredentials('u-alice')).toHaveLength(1);
    expect(idp.calls.filter((c) => c.method === 'issueTemporaryCredential')).toHaveLength(1);
    expect(
      env.sent.some((n) => n.to.kind === 'security' && n.subject.includes('may not have been sent')),
    ).toBe(true);
    expect(idp.calls.filter((c) => c.method === 'revokeSessions')).toHaveLength(1);
    // Without a record to read, the subject is never told the account was recovered.
    const told = env.sent.filter((n) => n.to.kind !== 'security' && n.text.includes(id));
    expect(told.length).toBeGreaterThan(0);
    expect(told.some((n) => n.subject === 'Your account was recovered')).toBe(false);
  });
});
