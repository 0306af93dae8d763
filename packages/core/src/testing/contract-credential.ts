/**
 * Contract cases for temporary access credentials: lifetime, secrecy, single use, expiry, early revocation.
 * @module
 */

import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { IssuedCredential, TemporaryCredentialOptions } from '../port.js';
import { isSecret } from '../secret.js';
import {
  type ContractContext,
  deliveryChannel,
  expectGateError,
  snapshot,
  timeOf,
  userIdOf,
} from './contract-context.js';
import type { ContractEnvironment } from './harness.js';

const LIFETIME_SECONDS = 600;

/** Issues a 600 s single-use credential to the standard user; returns it with the user id. */
async function issue(
  env: ContractEnvironment,
  overrides: Partial<TemporaryCredentialOptions> = {},
): Promise<{ readonly userId: string; readonly readAt: string; readonly credential: IssuedCredential }> {
  const facts = await env.adapter.readSubjectFacts(env.fixtures.standardUser);
  const channel = deliveryChannel(facts);
  const options: TemporaryCredentialOptions = {
    lifetimeSeconds: LIFETIME_SECONDS,
    singleUse: true,
    action: 'mfa_reset',
    ...(channel === undefined ? {} : { deliverTo: channel }),
    ...overrides,
  };
  const credential = await env.adapter.issueTemporaryCredential(facts.userId, options);
  return { userId: facts.userId, readAt: facts.readAt, credential };
}

/** What the sign-in probe is given: the secret when the gate delivers it, null when the IdP did. */
const secretOf = (credential: IssuedCredential): string | null => credential.secret?.reveal() ?? null;

/** Temporary credentials behave as declared at the IdP; undeclared ones fail closed. */
export function credentialCases(ctx: ContractContext): void {
  describe('temporary credential', () => {
    if (!ctx.supports('temporary_credential')) {
      it('refuses issueTemporaryCredential (undeclared) with ERR_UNSUPPORTED and issues nothing', async () => {
        const env = await ctx.start();
        const facts = await env.adapter.readSubjectFacts(env.fixtures.standardUser);
        const before = await snapshot(env, facts.userId);
        await expectGateError(
          env.adapter.issueTemporaryCredential(facts.userId, {
            lifetimeSeconds: LIFETIME_SECONDS,
            singleUse: true,
            action: 'mfa_reset',
          }),
          'ERR_UNSUPPORTED',
        );
        expect(await snapshot(env, facts.userId)).toEqual(before);
      });
      if (!ctx.supports('revoke_temporary_credential')) {
        it('refuses revokeTemporaryCredential (undeclared) with ERR_UNSUPPORTED', async () => {
          const env = await ctx.start();
          const userId = await userIdOf(env.adapter, env.fixtures.standardUser);
          const credential = { kind: env.adapter.settings.credential.native, id: 'contract-missing' };
          await expectGateError(env.adapter.revokeTemporaryCredential(userId, credential), 'ERR_UNSUPPORTED');
        });
      }
      return;
    }
    issueCases(ctx);
    expiryCases(ctx);
    revokeCredentialCases(ctx);
  });
}

function issueCases(ctx: ContractContext): void {
  it('issues a single-use credential of its IdP that expires lifetimeSeconds after issue', async () => {
    const env = await ctx.start();
    const { credential, readAt } = await issue(env);
    expect(credential.kind.startsWith(`${env.adapter.idp}_`)).toBe(true);
    expect(credential.singleUse).toBe(true);
    const issued = timeOf(credential.issuedAt, 'issuedAt');
    expect(Math.abs(issued - Date.parse(readAt)), 'issuedAt is about now').toBeLessThanOrEqual(60_000);
    const expires = timeOf(credential.expiresAt, 'expiresAt');
    expect(Math.abs(expires - issued - LIFETIME_SECONDS * 1000)).toBeLessThanOrEqual(5_000);
  });

  it('issues the kinds its settings declare: the shown one by the gate, the self-delivered one only to a channel', async () => {
    const env = await ctx.start();
    const declared = env.adapter.settings.credential;
    const facts = await env.adapter.readSubjectFacts(env.fixtures.standardUser);
    const options = { lifetimeSeconds: LIFETIME_SECONDS, singleUse: true, action: 'mfa_reset' } as const;
    const shown = await env.adapter.issueTemporaryCredential(facts.userId, options);
    expect(shown.kind).toBe(declared.shown);
    expect(shown.delivery).toBe('gate');
    const channel = deliveryChannel(facts);
    if (declared.selfDelivered === null || channel === undefined) return;
    const mailed = await env.adapter.issueTemporaryCredential(facts.userId, {
      ...options,
      deliverTo: channel,
    });
    expect(mailed.kind).toBe(declared.selfDelivered);
    expect(mailed.delivery).toBe('idp');
  });

  it('never exposes the secret through JSON, String() or util.inspect', async () => {
    const env = await ctx.start();
    const { credential } = await issue(env);
    if (credential.delivery === 'idp') {
      expect(credential.secret).toBeNull();
      expect(credential.deliveredTo).toEqual(expect.any(String));
      return;
    }
    expect(credential.delivery).toBe('gate');
    expect(credential.deliveredTo).toBeNull();
    expect(isSecret(credential.secret)).toBe(true);
    const value = secretOf(credential) ?? '';
    expect(value.length).toBeGreaterThanOrEqual(6);
    expect(JSON.stringify(credential)).not.toContain(value);
    expect(JSON.stringify(credential)).toContain('[redacted]');
    expect(String(credential.secret)).toBe('[redacted]');
    expect(`${credential.secret}`).toBe('[redacted]');
    expect(inspect(credential, { depth: 10 })).not.toContain(value);
  });

  it('signs in once with the credential, and a second time is refused (single use)', async () => {
    const env = await ctx.start();
    const { userId, credential } = await issue(env);
    expect(await env.probes.signInWithTemporaryCredential(userId, secretOf(credential))).toBe(true);
    expect(await env.probes.signInWithTemporaryCredential(userId, secretOf(credential))).toBe(false);
  });

  it('refuses a non-positive lifetime with ERR_INPUT_INVALID and issues nothing', async () => {
    const env = await ctx.start();
    const facts = await env.adapter.readSubjectFacts(env.fixtures.standardUser);
    const before = await snapshot(env, facts.userId);
    await expectGateError(issue(env, { lifetimeSeconds: 0 }), 'ERR_INPUT_INVALID');
    expect(await snapshot(env, facts.userId)).toEqual(before);
  });

  it('refuses to issue for an unknown user with ERR_USER_NOT_FOUND', async () => {
    const env = await ctx.start();
    await expectGateError(
      env.adapter.issueTemporaryCredential(env.fixtures.unknownUser, {
        lifetimeSeconds: LIFETIME_SECONDS,
        singleUse: true,
        action: 'mfa_reset',
      }),
      'ERR_USER_NOT_FOUND',
    );
  });
}

function expiryCases(ctx: ContractContext): void {
  const clock = ctx.requires(['advanceClock'], { emulatorOnly: true });
  it.skipIf(clock.skip)(`a credential still signs in shortly before it expires${clock.note}`, async () => {
    const env = await ctx.start();
    const { userId, credential } = await issue(env);
    env.probes.advanceClock?.((LIFETIME_SECONDS - 60) * 1000);
    expect(await env.probes.signInWithTemporaryCredential(userId, secretOf(credential))).toBe(true);
  });

  it.skipIf(clock.skip)(`after a credential expires it no longer signs in${clock.note}`, async () => {
    const env = await ctx.start();
    const { userId, credential } = await issue(env);
    env.probes.advanceClock?.((LIFETIME_SECONDS + 5) * 1000);
    expect(await env.probes.signInWithTemporaryCredential(userId, secretOf(credential))).toBe(false);
  });
}

function revokeCredentialCases(ctx: ContractContext): void {
  if (!ctx.supports('revoke_temporary_credential')) {
    it('refuses revokeTemporaryCredential (undeclared) with ERR_UNSUPPORTED and the credential still works', async () => {
      const env = await ctx.start();
      const { userId, credential } = await issue(env);
      await expectGateError(env.adapter.revokeTemporaryCredential(userId, credential), 'ERR_UNSUPPORTED');
      expect(await env.probes.signInWithTemporaryCredential(userId, secretOf(credential))).toBe(true);
    });
    return;
  }
  it('after revokeTemporaryCredential an unused credential no longer signs in', async () => {
    const env = await ctx.start();
    const { userId, credential } = await issue(env);
    await env.adapter.revokeTemporaryCredential(userId, credential);
    expect(await env.probes.signInWithTemporaryCredential(userId, secretOf(credential))).toBe(false);
  });

  it('revoking a credential twice is fine (idempotent)', async () => {
    const env = await ctx.start();
    const { userId, credential } = await issue(env);
    await env.adapter.revokeTemporaryCredential(userId, credential);
    await expect(env.adapter.revokeTemporaryCredential(userId, credential)).resolves.toBeUndefined();
  });
}
