/**
 * `approverGroups` from the config file reaches the case engine a gate builds: the pooled approver roles
 * are the IdP groups the file names, not the defaults. The real Okta adapter on its emulator supplies
 * the approvers' groups.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselinePolicyInput, type NormalizedEvent } from '@recovery-gate/core';
import { type Emulator, startEmulator } from '@recovery-gate/okta/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from './config/index.js';
import { createLogger } from './log.js';
import type { CaseEngine } from './orchestrator/index.js';
import { createGate, type Gate } from './service.js';
import { prepareEmbeddedTemplate, seedEmbeddedDir } from './testing/stores.js';

describe('approverGroups from the config file', () => {
  let emulator: Emulator;
  let gate: Gate<CaseEngine>;
  let dir: string;
  const id = async (name: string) => {
    const user = await gate.providers.get('okta')?.findUser(`${name}@example.com`);
    if (!user) throw new Error(`${name} is not seeded`);
    return user.id;
  };

  beforeAll(async () => {
    await prepareEmbeddedTemplate();
    emulator = await startEmulator({ guardrailsApplied: true });
    dir = await mkdtemp(join(tmpdir(), 'gate-approvers-'));
    await seedEmbeddedDir(join(dir, 'data'));
    // The security-team pool is moved from the default SecurityTeam group to Incident-Commanders.
    const text = `${stringify(baselinePolicyInput)}
providers:
  okta:
    orgUrl: ${emulator.url}
    auth: { token: \${OKTA_API_TOKEN} }
storage: { dataDir: data }
pollers: { interval: 1h, tick: 1h, lookback: 1h }
approverGroups:
  security_team: [Incident-Commanders]
`;
    const config = await loadConfig(text, { OKTA_API_TOKEN: emulator.apiToken });
    gate = createGate({
      config,
      env: {},
      baseDir: dir,
      port: 0,
      logger: createLogger({ level: 'error', write: () => {} }),
    }) as Gate<CaseEngine>;
    await gate.start();
  }, 180_000);

  afterAll(async () => {
    await gate?.stop();
    await emulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
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
