import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeIdp, type FakeIdp } from '../orchestrator/fake-idp.test-helper.js';
import { type Env, event, startEnv } from '../orchestrator/setup.test-helper.js';
import { neededList } from './needed.js';
import { missingList } from './summary.js';

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, '\n')
    .replace(/\n+/g, '\n')
    .trim();

describe('what a recovery still needs, in plain words (real engine and policy decisions)', {
  timeout: 120_000,
}, () => {
  let env: Env;
  let idp: FakeIdp;
  const clock = { now: new Date('2026-11-22T10:00:00.000Z') };

  beforeEach(async () => {
    idp = createFakeIdp('okta', () => clock.now);
    env = await startEnv(new Map([['okta', idp.provider]]), clock);
  }, 120_000);
  afterEach(async () => {
    await env.close();
  }, 120_000);

  async function open(name: string, action: 'mfa_reset' | 'password_reset' = 'mfa_reset') {
    await env.engine.handleEvent(
      event('okta', {
        subject: { userId: `u-${name}`, login: `${name}@example.com` },
        occurredAt: clock.now.toISOString(),
        action,
      }),
    );
    const [c] = await env.engine.listCases({ subjectId: `u-${name}`, kind: 'recovery' });
    if (!c) throw new Error(`no case for ${name}`);
    return c.id;
  }

  it('lists the things alice can do and who must approve, never the policy expression', async () => {
    const id = await open('alice');
    const c = await env.engine.getCase(id);
    if (!c) throw new Error('no case');
    const words = text(String(neededList(c, { now: clock.now, recoveryCodes: false })));
    expect(words).toContain('Still needed: two more of these.');
    expect(words).toContain('Sign in again with your second factor');
    expect(words).toMatch(/Confirm with a code sent to \+\*+0101/);
    expect(words).toMatch(/Your manager .+ must approve/);
    // The gate pushed to her registered device (Okta Verify), so answering it is offered.
    expect(words).toContain('Approve the request we sent to your registered phone');
    expect(words).not.toMatch(/at least|independent|oidc_step_up|manager_approval/);
    // The case view keeps the policy's own words.
    expect(text(String(missingList(c)))).toMatch(/at least 2 of/);
  });

  it('counts down as proofs arrive and drops what is done', async () => {
    const id = await open('alice');
    await env.engine.recordEvidence(id, { kind: 'oidc_step_up', by: 'u-alice', authenticatorId: null });
    const c = await env.engine.getCase(id);
    if (!c) throw new Error('no case');
    const words = text(String(neededList(c, { now: clock.now, recoveryCodes: false })));
    expect(words).toContain('Still needed: one more of these.');
    expect(words).not.toContain('Sign in again with your second factor');
    expect(words).toMatch(/Your manager .+ must approve/);
  });

  it('says how many people of a role must approve (a privileged reset needs two from security)', async () => {
    const id = await open('carol');
    await env.engine.recordEvidence(id, { kind: 'supervised_proofing', by: 'u-gina' });
    const c = await env.engine.getCase(id);
    if (!c) throw new Error('no case');
    expect(c.tier).toBe('T4');
    const words = text(String(neededList(c, { now: clock.now, recoveryCodes: false })));
    expect(words).toContain('Two people from the security team must approve');
    expect(words).not.toMatch(/security_team|approval\(s\)/);
  });

  it('is empty once nothing is missing', async () => {
    const id = await open('alice');
    await env.engine.recordEvidence(id, { kind: 'oidc_step_up', by: 'u-alice', authenticatorId: null });
    await env.engine.recordApproval(id, {
      approverId: idp.id('erin'),
      role: 'manager',
      decision: 'approve',
      reason: 'video call',
    });
    const c = await env.engine.getCase(id);
    expect(c && neededList(c, { now: clock.now, recoveryCodes: false })).toBeNull();
  });
});
