import { afterEach, describe, expect, it } from 'vitest';
import { ROLE_IDS } from '../emulator/state.js';
import { startTestEnvironment } from '../testing/harness.js';

type Env = Awaited<ReturnType<typeof startTestEnvironment>>;
const open: Env[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((env) => env.close()));
});

async function start(): Promise<Env> {
  const env = await startTestEnvironment();
  open.push(env);
  return env;
}

const tap = { lifetimeSeconds: 900, singleUse: true, action: 'mfa_reset' } as const;

describe('Entra guardrails', () => {
  it('creates a restricted unit for privileged users with the gate app as scoped Privileged Authentication Administrator', async () => {
    const env = await start();
    await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
    const tenant = env.emulator.control.tenant;
    const unit = [...tenant.units.values()].find((u) => u.displayName === 'Recovery Gate - privileged users');
    expect(unit?.isMemberManagementRestricted).toBe(true);
    expect(unit?.members.has(env.emulator.control.user('carol').id)).toBe(true);
    const gateSp = tenant.apps.get(env.config.auth.clientId)?.servicePrincipalId;
    const scoped = [...tenant.roleAssignments.values()].filter(
      (a) => a.directoryScopeId === `/administrativeUnits/${unit?.id}`,
    );
    expect(scoped).toEqual([
      expect.objectContaining({
        principalId: gateSp,
        roleDefinitionId: ROLE_IDS.privilegedAuthenticationAdministrator,
      }),
    ]);
    const facts = await env.adapter.readSubjectFacts('carol@example.com');
    expect(facts.protectedUnit).toBe(true);
    expect((await env.adapter.readSubjectFacts('alice@example.com')).protectedUnit).toBe(false);
    await expect(env.adapter.issueTemporaryCredential(facts.userId, tap)).resolves.toMatchObject({
      kind: 'entra_tap',
    });
  });

  it('a restricted unit without the scoped role locks the gate out of its members (ERR_IDP_FORBIDDEN)', async () => {
    const env = await start();
    const carol = env.emulator.control.user('carol').id;
    env.emulator.control.tenant.units.set('rmau-1', {
      id: 'rmau-1',
      displayName: 'Someone else’s unit',
      description: null,
      isMemberManagementRestricted: true,
      members: new Set([carol]),
    });
    await expect(env.adapter.issueTemporaryCredential(carol, tap)).rejects.toMatchObject({
      code: 'ERR_IDP_FORBIDDEN',
    });
    await expect(env.adapter.resetPassword(carol, { lifetimeSeconds: 600 })).rejects.toMatchObject({
      code: 'ERR_IDP_FORBIDDEN',
    });
    expect(env.emulator.control.user('carol').forceChangePasswordNextSignIn).toBe(false);
  });

  it('a Global Administrator in the restricted unit: nobody resets her password, her facts and plan say so', async () => {
    const env = await start();
    await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
    const carol = env.emulator.control.user('carol');
    await expect(env.adapter.resetPassword(carol.id, { lifetimeSeconds: 600 })).rejects.toMatchObject({
      code: 'ERR_IDP_FORBIDDEN',
    });
    expect(carol.forceChangePasswordNextSignIn).toBe(false);
    const facts = await env.adapter.readSubjectFacts(carol.id);
    expect(facts.idpRefuses).toEqual([
      { action: 'password_reset', reason: expect.stringMatching(/Global Administrator in a restricted/) },
    ]);
    // An MFA reset still goes through the unit-scoped Privileged Authentication Administrator.
    await expect(env.adapter.issueTemporaryCredential(carol.id, tap)).resolves.toMatchObject({
      kind: 'entra_tap',
    });
    expect((await env.adapter.readSubjectFacts('alice@example.com')).idpRefuses).toBeUndefined();
    const plan = await env.adapter.planGuardrails();
    expect(plan.findings.find((f) => f.code === 'unit_global_admins_password')).toMatchObject({
      severity: 'warning',
      message: expect.stringMatching(/^carol@example\.com: Global Administrator/),
    });
    expect(plan.findings.some((f) => f.code === 'unit_role_needs_tenant_read')).toBe(false);
  });

  it('a unit-scoped role needs a tenant-scoped read role: without one, plan and doctor say so and every write is refused', async () => {
    const env = await start();
    const { tenant } = env.emulator.control;
    const sp = tenant.apps.get(env.config.auth.clientId)?.servicePrincipalId ?? '';
    for (const [id, a] of tenant.roleAssignments)
      if (a.principalId === sp && a.directoryScopeId === '/') tenant.roleAssignments.delete(id);
    await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
    const carol = env.emulator.control.user('carol').id;
    await expect(env.adapter.issueTemporaryCredential(carol, tap)).rejects.toMatchObject({
      code: 'ERR_IDP_FORBIDDEN',
    });
    const plan = await env.adapter.planGuardrails();
    expect(plan.findings.find((f) => f.code === 'unit_role_needs_tenant_read')).toMatchObject({
      severity: 'critical',
      message: expect.stringMatching(/Directory Readers at tenant scope/),
    });
    const unitCheck = (await env.adapter.doctor()).checks.find((c) => c.id === 'unit-role');
    expect(unitCheck).toMatchObject({ status: 'fail', fix: expect.stringMatching(/Directory Readers/) });
    tenant.roleAssignments.set('ra-readers', {
      id: 'ra-readers',
      principalId: sp,
      roleDefinitionId: ROLE_IDS.directoryReaders,
      directoryScopeId: '/',
    });
    await expect(env.adapter.issueTemporaryCredential(carol, tap)).resolves.toMatchObject({
      kind: 'entra_tap',
    });
    const again = await env.adapter.planGuardrails();
    expect(again.findings.some((f) => f.code === 'unit_role_needs_tenant_read')).toBe(false);
    expect((await env.adapter.doctor()).checks.find((c) => c.id === 'unit-role')?.status).toBe('ok');
  });

  it('tightens the TAP policy: one-time passes, lifetimes within 10..480 minutes', async () => {
    const env = await start();
    const plan = await env.adapter.planGuardrails();
    const change = plan.changes.find((c) => c.resource === 'tap_policy');
    expect(change?.op).toBe('update');
    await env.adapter.applyGuardrails(plan);
    expect(env.emulator.control.tenant.tapPolicy).toMatchObject({
      isUsableOnce: true,
      minimumLifetimeInMinutes: 10,
      maximumLifetimeInMinutes: 480,
    });
    const alice = env.emulator.control.user('alice').id;
    const tooLong = env.adapter.issueTemporaryCredential(alice, { ...tap, lifetimeSeconds: 600 * 60 });
    await expect(tooLong).rejects.toMatchObject({ code: 'ERR_IDP_BAD_REQUEST' });
    const reusable = env.adapter.issueTemporaryCredential(alice, { ...tap, singleUse: false });
    await expect(reusable).rejects.toMatchObject({
      code: 'ERR_IDP_BAD_REQUEST',
      details: expect.objectContaining({ requestId: expect.any(String) }),
    });
  });

  it('plans removing standing resetting roles of the help desk (not PIM activations); with it applied frank cannot reset', async () => {
    const env = await start();
    const tenant = env.emulator.control.tenant;
    const frank = env.emulator.control.user('frank').id;
    const helpDesk = [...tenant.groups.values()].find((g) => g.displayName === 'HelpDesk');
    // The help-desk group also holds Helpdesk Administrator, and frank Password Administrator directly.
    for (const [id, principalId, roleDefinitionId] of [
      ['ra-hd', helpDesk?.id ?? '', ROLE_IDS.helpdeskAdministrator],
      ['ra-pw', frank, ROLE_IDS.passwordAdministrator],
    ] as const) {
      tenant.roleAssignments.set(id, { id, principalId, roleDefinitionId, directoryScopeId: '/' });
    }
    const erin = env.emulator.control.user('erin').id;
    await env.probes.nativeReset?.(erin, 'password');
    const plan = await env.adapter.planGuardrails();
    const removals = plan.changes.filter((c) => c.removesAccess === true);
    expect(removals.map((c) => [c.op, c.name]).sort()).toEqual(
      [
        ['delete', 'Authentication Administrator of frank@example.com'],
        ['delete', 'Helpdesk Administrator of group HelpDesk'],
        ['delete', 'Password Administrator of frank@example.com'],
      ].sort(),
    );
    expect(plan.findings.some((f) => f.code === 'helpdesk_role_pim' && f.message.startsWith('gina@'))).toBe(
      true,
    );
    await env.adapter.applyGuardrails({ ...plan, changes: plan.changes.filter((c) => !c.removesAccess) });
    expect(tenant.roleAssignments.has('ra-hd')).toBe(true);
    await env.adapter.applyGuardrails(plan);
    const left = [...tenant.roleAssignments.values()].filter(
      (a) => a.principalId === frank || a.principalId === helpDesk?.id,
    );
    expect(left).toEqual([]);
    await expect(env.probes.nativeReset?.(erin, 'password')).rejects.toThrow(/403|Insufficient/);
    await expect(env.probes.nativeReset?.(erin, 'authenticators')).rejects.toThrow(/403|Insufficient/);
    expect((await env.adapter.planGuardrails()).changes.filter((c) => c.op !== 'noop')).toEqual([]);
  });

  it('creates the status extension so the case status shows on the user', async () => {
    const env = await start();
    const alice = env.emulator.control.user('alice').id;
    await expect(
      env.adapter.writeCaseStatus(alice, {
        caseId: 'c-9',
        status: 'held',
        updatedAt: '2026-01-01T00:00:00Z',
      }),
    ).rejects.toMatchObject({ code: 'ERR_IDP_BAD_REQUEST' });
    await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
    await env.adapter.writeCaseStatus(alice, {
      caseId: 'c-9',
      status: 'held',
      updatedAt: '2026-01-01T00:00:00Z',
    });
    expect(await env.probes.caseStatus?.(alice)).toBe('held - case c-9 (2026-01-01T00:00:00Z)');
  });

  it('renews subscriptions that are about to expire', async () => {
    const env = await start();
    await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
    env.emulator.control.advanceClock(25 * 86_400_000);
    const plan = await env.adapter.planGuardrails();
    const renewals = plan.changes.filter((c) => c.resource === 'subscription' && c.op === 'update');
    expect(renewals).toHaveLength(6);
    await env.adapter.applyGuardrails(plan);
    const after = await env.adapter.planGuardrails();
    expect(after.changes.filter((c) => c.op !== 'noop')).toEqual([]);
  });
});
