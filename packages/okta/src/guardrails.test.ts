import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isGateError } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type OktaTestEnvironment, startTestEnvironment } from '../testing/index.js';
import { FORBIDDEN_PERMISSIONS } from './guardrails/steps.js';

const envs: OktaTestEnvironment[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((e) => e.close()));
});

async function start(options: Parameters<typeof startTestEnvironment>[0] = {}): Promise<OktaTestEnvironment> {
  const env = await startTestEnvironment(options);
  envs.push(env);
  return env;
}

describe('Okta guardrails', () => {
  it('apply creates every object; a second plan is all noop and a second apply changes nothing', async () => {
    const env = await start();
    const plan = await env.adapter.planGuardrails();
    expect(plan.changes.map((c) => `${c.op} ${c.resource}`)).toEqual([
      ...Array(6).fill('create group'),
      'create admin_role',
      'create resource_set',
      'create role_assignment',
      'create schema_attribute',
      'create event_hook',
      'delete builtin_role_assignment',
    ]);
    const progress: string[] = [];
    const result = await env.adapter.applyGuardrails(plan, (_done, _total, label) => progress.push(label));
    expect(result.applied).toHaveLength(12);
    expect(progress.at(-1)).toBe('done');
    const again = await env.adapter.planGuardrails();
    expect(again.changes.every((c) => c.op === 'noop')).toBe(true);
    const before = env.emulator.control.faults.requestLog().filter((r) => r.method !== 'GET').length;
    expect((await env.adapter.applyGuardrails(again)).applied).toEqual([]);
    expect((await env.adapter.applyGuardrails(plan)).applied).toEqual([]);
    expect(env.emulator.control.faults.requestLog().filter((r) => r.method !== 'GET').length).toBe(before);
  });

  it('creates a help-desk role without reset, TAC or unlock permissions, scoped to eligible users and request groups', async () => {
    const env = await start();
    await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
    const { state, userId } = env.emulator.control;
    const role = [...state.roles.values()].find((r) => r.label === 'recovery-gate-helpdesk');
    expect(role?.permissions).toContain('okta.groups.members.manage');
    for (const forbidden of FORBIDDEN_PERMISSIONS) expect(role?.permissions).not.toContain(forbidden);
    const groupId = (name: string) => [...state.groups.values()].find((g) => g.name === name)?.id;
    const set = [...state.resourceSets.values()].find((s) => s.label === 'recovery-gate-eligible');
    const hrefs = set?.resources.map((r) => r.href) ?? [];
    expect(hrefs).toContain(`${env.emulator.url}/api/v1/groups/${groupId('recovery-eligible')}/users`);
    expect(hrefs).not.toContain(`${env.emulator.url}/api/v1/groups/${groupId('recovery-eligible')}`);
    expect(hrefs).toContain(`${env.emulator.url}/api/v1/groups/${groupId('recovery-request-mfa_reset')}`);
    const binding = [...state.roleAssignments.values()].find((a) => a.type === 'CUSTOM');
    expect(binding).toMatchObject({
      principalType: 'GROUP',
      principalId: groupId('HelpDesk'),
      roleId: role?.id,
      resourceSetId: set?.id,
    });
    expect(state.customSchema.get('recoveryCaseStatus')).toMatchObject({
      type: 'string',
      permissions: [{ principal: 'SELF', action: 'READ_ONLY' }],
    });
    // The agent can now raise a request through the native API.
    expect(
      await env.emulator.control.nativeAction('gina@example.com', userId('alice@example.com'), {
        kind: 'add_to_group',
        group: 'recovery-request-mfa_reset',
      }),
    ).toBe(204);
  });

  it('once apply removed the built-in role, agents can raise requests for eligible users only, and reset nothing', async () => {
    const env = await start();
    const { state, nativeAction } = env.emulator.control;
    expect(await nativeAction('frank@example.com', 'erin@example.com', { kind: 'reset_factors' })).toBe(200);
    const plan = await env.adapter.planGuardrails();
    const removal = plan.changes.filter((c) => c.removesAccess === true);
    expect(removal).toEqual([
      expect.objectContaining({
        op: 'delete',
        name: 'HELP_DESK_ADMIN of group HelpDesk',
        before: { principal: 'group HelpDesk', role: 'HELP_DESK_ADMIN' },
      }),
    ]);
    await env.adapter.applyGuardrails(plan);
    expect([...state.roleAssignments.values()].map((a) => a.type)).not.toContain('HELP_DESK_ADMIN');
    expect(await nativeAction('frank@example.com', 'erin@example.com', { kind: 'reset_factors' })).toBe(403);
    expect(state.log.some((e) => e.event.eventType === 'group.privilege.revoke')).toBe(true);
    const request = { kind: 'add_to_group', group: 'recovery-request-mfa_reset' } as const;
    expect(await nativeAction('gina@example.com', 'alice@example.com', request)).toBe(204);
    expect(await nativeAction('gina@example.com', 'carol@example.com', request)).toBe(403);
    expect(
      await nativeAction('gina@example.com', 'alice@example.com', { kind: 'add_to_group', group: 'Finance' }),
    ).toBe(403);
    expect(await nativeAction('gina@example.com', 'alice@example.com', { kind: 'reset_factors' })).toBe(403);
    expect(await nativeAction('gina@example.com', 'alice@example.com', { kind: 'reset_password' })).toBe(403);
    expect(
      await nativeAction('gina@example.com', 'alice@example.com', {
        kind: 'update_profile',
        profile: { recoveryCaseStatus: 'completed' },
      }),
    ).toBe(403);
    const again = await env.adapter.planGuardrails();
    expect(again.findings.filter((f) => f.severity === 'critical')).toEqual([]);
    expect(again.changes.every((c) => c.op === 'noop')).toBe(true);
  });

  it('plans the removal of every built-in resetting role of the help desk, by group and by agent', async () => {
    const env = await start();
    const { state, userId } = env.emulator.control;
    state.roleAssignments.set('raGina', {
      id: 'raGina',
      principalType: 'USER',
      principalId: userId('gina@example.com'),
      type: 'USER_ADMIN',
      roleId: null,
      resourceSetId: null,
      created: 0,
      lastUpdated: 0,
    });
    const plan = await env.adapter.planGuardrails();
    const removals = plan.changes.filter((c) => c.op === 'delete').map((c) => [c.name, c.removesAccess]);
    expect(removals).toEqual([
      ['HELP_DESK_ADMIN of group HelpDesk', true],
      ['USER_ADMIN of agent gina@example.com', true],
    ]);
    // Applying only the rest leaves both; applying them removes the direct one from gina too.
    await env.adapter.applyGuardrails({ ...plan, changes: plan.changes.filter((c) => !c.removesAccess) });
    expect(state.roleAssignments.has('raGina')).toBe(true);
    await env.adapter.applyGuardrails(plan);
    expect(state.roleAssignments.has('raGina')).toBe(false);
    expect(state.log.some((e) => e.event.eventType === 'user.account.privilege.revoke')).toBe(true);
  });

  it('plans an update when someone widens the help-desk role, and apply narrows it back', async () => {
    const env = await start();
    await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
    const role = [...env.emulator.control.state.roles.values()].find(
      (r) => r.label === 'recovery-gate-helpdesk',
    );
    role?.permissions.push('okta.users.credentials.resetPassword');
    const plan = await env.adapter.planGuardrails();
    const change = plan.changes.find((c) => c.resource === 'admin_role');
    expect(change?.op).toBe('update');
    expect(plan.findings.some((f) => f.code === 'OKTA_HELPDESK_RESET_PERMISSION')).toBe(true);
    await env.adapter.applyGuardrails(plan);
    expect(role?.permissions).not.toContain('okta.users.credentials.resetPassword');
    expect((await env.adapter.planGuardrails()).changes.every((c) => c.op === 'noop')).toBe(true);
  });

  it('fails apply with a typed error when Okta cannot verify the hook endpoint, and plans the verification again', async () => {
    const liar = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"verification":"wrong"}'),
    );
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
    try {
      const env = await start({ hookUrl: `http://127.0.0.1:${(liar.address() as AddressInfo).port}/hook` });
      const error = await env.adapter
        .applyGuardrails(await env.adapter.planGuardrails())
        .catch((e: unknown) => e);
      expect(isGateError(error, 'ERR_IDP_BAD_REQUEST')).toBe(true);
      expect((error as { details: Record<string, unknown> }).details).toMatchObject({
        op: 'verifyEventHook',
        errorCode: 'E0000001',
      });
      const again = await env.adapter.planGuardrails();
      const hook = again.changes.find((c) => c.resource === 'event_hook');
      expect(hook).toMatchObject({ op: 'update', before: { verificationStatus: 'UNVERIFIED' } });
      // The removal of the built-in role comes last, after the hook: the failed apply never reached it.
      expect(again.changes.filter((c) => c.op !== 'noop' && !c.removesAccess)).toHaveLength(1);
    } finally {
      liar.closeAllConnections();
      await new Promise((r) => liar.close(r));
    }
  });
});
