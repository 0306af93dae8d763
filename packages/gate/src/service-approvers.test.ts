/**
 * `approverGroups` from the config file reaches the case engine a gate builds: the pooled approver roles
 * are the IdP groups the file names, not the defaults. The real Okta adapter on its emulator supplies
 * the approvers' groups.
 */
import type { NormalizedEvent } from '@recovery-gate/core';
import { type Emulator, startEmulator } from '@recovery-gate/okta/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedGate, startEmbeddedGate } from './embedded-gate.test-helper.js';
import type { CaseEngine } from './orchestrator/index.js';
import type { Gate } from './service.js';

describe('approverGroups from the config file', () => {
  let emulator: Emulator;
  let running: EmbeddedGate<CaseEngine>;
  let gate: Gate<CaseEngine>;
  const id = async (name: string) => {
    const user = await gate.providers.get('okta')?.findUser(`${name}@example.com`);
    if (!user) throw new Error(`${name} is not seeded`);
    return user.id;
  };

  beforeAll(async () => {
    emulator = await startEmulator({ guardrailsApplied: true });
    // The security-team pool is moved from the default SecurityTeam group to Incident-Commanders.
    running = await startEmbeddedGate<CaseEngine>({
      yaml: `providers:
  okta:
    orgUrl: ${emulator.url}
    auth: { token: \${OKTA_API_TOKEN} }
approverGroups:
  security_team: [Incident-Commanders]`,
      env: { OKTA_API_TOKEN: emulator.apiToken },
    });
    gate = running.gate;
  }, 180_000);

  afterAll(async () => {
    await running?.close();
    await emulator?.close();
  });

  it('admits a member of the configured group and refuses a member of the default one', async () => {
    const carol = await id('carol');
    const event: NormalizedEvent = {
      id: 'approvers-carol-1',
      idp: 'okta',
      kind: 'recovery_requested',
      sourceType: 'group.user_membership.add',
      occurredAt: new Date().toISOString(),
      actor: { id: await id('frank'), type: 'user', displayName: 'Frank' },
      subject: { userId: carol, login: 'carol@example.com' },
      action: 'mfa_reset',
      authenticatorKind: null,
    };
    await gate.orchestrator.handleEvent(event);
    const [c] = await gate.orchestrator.listCases({ subjectId: carol });
    expect(c?.state).toBe('verifying');
    const caseId = c?.id ?? '';
    const approve = async (name: string) =>
      gate.orchestrator.recordApproval(caseId, {
        approverId: await id(name),
        role: 'security_team',
        decision: 'approve',
        reason: 'checked the ticket and the video call',
      });
    // sam is in SecurityTeam, the default pool, which the file replaced.
    await expect(approve('sam')).rejects.toMatchObject({ code: 'ERR_APPROVER_NOT_ELIGIBLE' });
    await approve('ivan');
    const after = await gate.orchestrator.getCase(caseId);
    expect(after?.approvals.map((a) => a.role)).toEqual(['security_team']);
  }, 60_000);
});
