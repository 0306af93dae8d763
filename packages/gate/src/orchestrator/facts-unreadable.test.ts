import type { RecoveryProvider } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { riskSignals } from '../pages/summary.js';
import { createFakeIdp, type FakeIdp } from './fake-idp.test-helper.js';
import { type Env, event, startEnv } from './setup.test-helper.js';

const EXECUTION = ['revokeSessions', 'resetAuthenticators', 'resetPassword', 'issueTemporaryCredential'];

describe('unreadable facts at the gate', { timeout: 120_000 }, () => {
  let env: Env | undefined;
  const clock = { now: new Date('2026-11-22T10:00:00.000Z') };
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  async function open(idp: FakeIdp, provider: RecoveryProvider = idp.provider) {
    env = await startEnv(new Map([['okta', provider]]), clock);
    await env.engine.handleEvent(
      event('okta', { subject: { userId: 'u-alice', login: 'alice@example.com' } }),
    );
    const [c] = await env.engine.listCases({ subjectId: 'u-alice' });
    if (!c) throw new Error('no case');
    return c.id;
  }

  it('a facts read that fails leaves the case undecided and executes nothing; a later read decides it', async () => {
    const idp = createFakeIdp('okta', () => clock.now);
    idp.failNext('readSubjectFacts', 1);
    const id = await open(idp);
    const waiting = await env?.engine.getCase(id);
    expect(waiting).toMatchObject({ state: 'requested', tier: null });
    expect(idp.calls.filter((c) => EXECUTION.includes(c.method))).toEqual([]);
    clock.now = new Date(clock.now.getTime() + 3_600_000);
    await env?.engine.tick();
    expect((await env?.engine.getCase(id))?.tier).toBe('T2');
  });

  it('roles Okta refused: the case opens at the privileged tier and its view names the missing permission', async () => {
    const idp = createFakeIdp('okta', () => clock.now);
    const refused: RecoveryProvider = {
      ...idp.provider,
      readSubjectFacts: async (user) => ({
        ...(await idp.provider.readSubjectFacts(user)),
        adminRoles: null,
        unreadable: [
          {
            fact: 'adminRoles',
            reason: 'forbidden',
            permission: 'okta.roles.read',
            endpoint: 'GET /api/v1/users/{id}/roles',
          },
        ],
      }),
    };
    const id = await open(idp, refused);
    const c = await env?.engine.getCase(id);
    expect(c).toMatchObject({ tier: 'T4', subjectClass: 'privileged' });
    expect(idp.calls.filter((call) => EXECUTION.includes(call.method))).toEqual([]);
    if (!c) throw new Error('no case');
    const html = String(riskSignals(c, clock.now));
    expect(html).toContain('Facts that could not be read');
    expect(html).toContain('okta.roles.read');
    expect(html).toMatch(/Admin roles<\/dt>\s*<dd>unknown \(could not be read\)/);
  });
});
