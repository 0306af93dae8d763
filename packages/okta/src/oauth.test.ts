import { generateKeyPairSync } from 'node:crypto';
import { isGateError, type RecoveryProvider } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../emulator/index.js';
import { createProvider } from './adapter.js';
import { DEFAULT_SCOPES } from './config.js';

const open: Emulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

const CLIENT_ID = '0oaRecoveryGateApp01';

async function setup(
  options: {
    register?: boolean;
    grant?: readonly string[];
    scopes?: string[];
    roles?: readonly string[];
  } = {},
): Promise<{ emulator: Emulator; adapter: RecoveryProvider }> {
  const emulator = await startEmulator({ guardrailsApplied: true });
  open.push(emulator);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (options.register !== false) {
    emulator.control.registerServiceApp(
      CLIENT_ID,
      { ...publicKey.export({ format: 'jwk' }), kid: 'k1' },
      {
        ...(options.grant ? { scopes: options.grant } : {}),
        ...(options.roles ? { roles: options.roles } : {}),
      },
    );
  }
  const jwk = JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: 'k1' });
  const adapter = createProvider(
    {
      orgUrl: emulator.url,
      auth: { clientId: CLIENT_ID, privateKey: jwk, ...(options.scopes ? { scopes: options.scopes } : {}) },
    },
    { sleep: async () => {}, maxRetries: 0 },
  );
  return { emulator, adapter };
}

describe('OAuth 2.0 service app (private_key_jwt)', () => {
  it('runs a whole recovery and apply with the default scopes, as the app, never reading its own actions back', async () => {
    const { emulator, adapter } = await setup();
    const start = await adapter.readEvents('system_log', null);
    const alice = emulator.control.userId('alice@example.com');
    await adapter.readSubjectFacts(alice);
    await adapter.revokeSessions(alice, { sessions: true, refreshTokens: true, grants: true });
    await adapter.resetAuthenticators(alice, { all: true });
    await adapter.resetPassword(alice, { lifetimeSeconds: 900 });
    const credential = await adapter.issueTemporaryCredential(alice, {
      lifetimeSeconds: 900,
      singleUse: true,
      action: 'mfa_reset',
    });
    await adapter.revokeTemporaryCredential(alice, credential);
    await adapter.writeCaseStatus(alice, {
      caseId: 'c1',
      status: 'completed',
      updatedAt: new Date().toISOString(),
    });
    await adapter.applyGuardrails(await adapter.planGuardrails());
    const actors = new Set(
      emulator.control.state.log
        .slice(-6)
        .map((s) => (s.event as { actor: { id: string; type: string } }).actor.type),
    );
    expect(actors).toEqual(new Set(['PublicClientApp']));
    expect((await adapter.readEvents('system_log', start.cursor)).events).toEqual([]);
    const token = emulator.control.faults.requestLog().find((r) => r.path === '/oauth2/v1/token');
    expect(token?.status).toBe(200);
  });

  it('is refused with ERR_IDP_FORBIDDEN where its token lacks the scope', async () => {
    const { adapter } = await setup({ grant: ['okta.users.read'], scopes: ['okta.users.read'] });
    expect((await adapter.findUser('alice@example.com'))?.login).toBe('alice@example.com');
    const error = await adapter.suspend('alice@example.com').catch((e: unknown) => e);
    expect(isGateError(error, 'ERR_IDP_FORBIDDEN')).toBe(true);
  });

  it("plan says the TAC settings went unchecked when the app may not read the org's authenticators", async () => {
    const scopes = DEFAULT_SCOPES.filter((s) => s !== 'okta.authenticators.read');
    const { adapter } = await setup({ grant: scopes, scopes });
    const plan = await adapter.planGuardrails({
      credentials: [{ tier: 'STANDARD', lifetimeSeconds: 1800, singleUse: true }],
    });
    const tac = plan.findings.filter((f) => f.code.startsWith('OKTA_TAC_'));
    expect(tac).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'OKTA_TAC_SETTINGS_UNREADABLE' }),
    ]);
    expect(tac[0]?.message).toContain('okta.authenticators.read');
  });

  it('is refused when the app is not registered with that key', async () => {
    const { adapter } = await setup({ register: false });
    await expect(adapter.findUser('alice@example.com')).rejects.toMatchObject({ name: 'GateError' });
  });

  it('is limited to the admin role assigned to it, whatever its scopes (Okta: constrained to the role)', async () => {
    const { emulator, adapter } = await setup({ roles: ['HELP_DESK_ADMIN'] });
    const alice = emulator.control.userId('alice@example.com');
    await adapter.readSubjectFacts(alice);
    await adapter.revokeSessions(alice, { sessions: true, refreshTokens: false, grants: false });
    const issued = adapter.issueTemporaryCredential(alice, {
      lifetimeSeconds: 900,
      singleUse: true,
      action: 'mfa_reset',
    });
    await expect(issued).rejects.toMatchObject({ code: 'ERR_IDP_FORBIDDEN' });
    await expect(adapter.suspend(alice)).rejects.toMatchObject({ code: 'ERR_IDP_FORBIDDEN' });
    expect(emulator.control.state.users.get(alice)?.status).toBe('ACTIVE');
  });

  it("doctor reads the service app's role: Super Administrator passes, anything else says what the role must carry", async () => {
    const superAdmin = await setup();
    expect((await superAdmin.adapter.doctor()).checks.find((c) => c.id === 'app-role')).toMatchObject({
      status: 'ok',
      summary: expect.stringMatching(/Super Administrator/),
    });
    const helpDesk = await setup({ roles: ['HELP_DESK_ADMIN'] });
    expect((await helpDesk.adapter.doctor()).checks.find((c) => c.id === 'app-role')).toMatchObject({
      status: 'warn',
      summary: expect.stringMatching(/cannot read its own admin roles .*manageTemporaryAccessCode/),
      fix: expect.stringMatching(/Super Administrator, or a custom admin role with/),
    });
    const orgAdmin = await setup({ roles: ['ORG_ADMIN'] });
    expect((await orgAdmin.adapter.doctor()).checks.find((c) => c.id === 'app-role')).toMatchObject({
      status: 'warn',
      summary: expect.stringMatching(
        /holds ORG_ADMIN, which covers recoveries; apply .* needs Super Administrator/,
      ),
    });
    const none = await setup({ roles: [] });
    expect((await none.adapter.doctor()).checks.find((c) => c.id === 'app-role')?.status).not.toBe('ok');
  });
});
