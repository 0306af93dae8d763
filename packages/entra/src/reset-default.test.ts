/**
 * Graph refuses to delete a phone that is the user's default MFA method, and the mobile while an alternate
 * remains; v1.0 cannot change the default. An MFA reset then ends in a defined state: everything else removed,
 * the phone reported as remaining with what the user must do.
 * @see https://learn.microsoft.com/graph/api/phoneauthenticationmethod-delete?view=graph-rest-1.0
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MOBILE_PHONE_ID, PASSWORD_METHOD_ID } from '../emulator/seed.js';
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

const methodsOf = (env: Env, userId: string) =>
  [...env.emulator.control.tenant.methods.values()].filter((m) => m.userId === userId);

function addAlternate(env: Env, userId: string): string {
  const id = 'b6332ec1-7057-4abe-9331-3d72feddfe41';
  env.emulator.control.tenant.methods.set(`${userId}:${id}`, {
    id,
    userId,
    type: 'phone',
    createdDateTime: new Date(env.emulator.control.now() - 86_400_000).toISOString(),
    props: {
      phoneNumber: '+1 5550199999',
      phoneType: 'alternateMobile',
      smsSignInState: 'notAllowedByPolicy',
    },
  });
  return id;
}

describe('entra: a phone that is the default MFA method survives an MFA reset, reported as remaining', () => {
  it('alice (default SMS): everything else is removed and the mobile phone is named as remaining', async () => {
    const env = await start();
    const alice = env.emulator.control.user('alice');
    expect(alice.defaultMfaMethod).toBe('sms');
    const result = await env.adapter.resetAuthenticators(alice.id, { all: true, keepKinds: ['password'] });
    expect(
      methodsOf(env, alice.id)
        .map((m) => m.id)
        .sort(),
    ).toEqual([PASSWORD_METHOD_ID, MOBILE_PHONE_ID].sort());
    expect(result.removed).not.toContain(MOBILE_PHONE_ID);
    expect(result.removed.length).toBeGreaterThan(0);
    expect(result.remaining).toEqual([
      expect.objectContaining({
        id: MOBILE_PHONE_ID,
        kind: 'sms',
        reason: expect.stringMatching(/default MFA method/),
      }),
    ]);
    expect(JSON.stringify(result)).not.toContain('5550100101');
    // The TAP still issues, so the user can sign in and choose another default.
    const tap = await env.adapter.issueTemporaryCredential(alice.id, {
      action: 'mfa_reset',
      lifetimeSeconds: 3600,
      singleUse: true,
    });
    expect(await env.probes.signInWithTemporaryCredential(alice.id, tap.secret?.reveal() ?? '')).toBe(true);
  });

  it('once the user chose another default, a second reset removes the phone', async () => {
    const env = await start();
    const alice = env.emulator.control.user('alice');
    await env.adapter.resetAuthenticators(alice.id, { all: true, keepKinds: ['password'] });
    alice.defaultMfaMethod = 'push';
    const again = await env.adapter.resetAuthenticators(alice.id, { all: true, keepKinds: ['password'] });
    expect(again.removed).toEqual([MOBILE_PHONE_ID]);
    expect(again.remaining ?? []).toEqual([]);
    expect(methodsOf(env, alice.id).map((m) => m.id)).toEqual([PASSWORD_METHOD_ID]);
  });

  it('a default push user: the alternate goes before the mobile, and both go', async () => {
    const env = await start();
    const carol = env.emulator.control.user('carol');
    expect(carol.defaultMfaMethod).toBe('push');
    addAlternate(env, carol.id);
    const result = await env.adapter.resetAuthenticators(carol.id, { all: true, keepKinds: ['password'] });
    expect(result.remaining ?? []).toEqual([]);
    expect(methodsOf(env, carol.id).map((m) => m.id)).toEqual([PASSWORD_METHOD_ID]);
  });

  it('a default alternate phone keeps both phones (the mobile cannot go while the alternate stays)', async () => {
    const env = await start();
    const carol = env.emulator.control.user('carol');
    const alternate = addAlternate(env, carol.id);
    carol.defaultMfaMethod = 'voiceAlternateMobile';
    const result = await env.adapter.resetAuthenticators(carol.id, { all: true, keepKinds: ['password'] });
    expect((result.remaining ?? []).map((r) => r.id).sort()).toEqual([alternate, MOBILE_PHONE_ID].sort());
    expect(
      methodsOf(env, carol.id)
        .filter((m) => m.type !== 'password')
        .map((m) => m.id)
        .sort(),
    ).toEqual([alternate, MOBILE_PHONE_ID].sort());
  });

  it('the emulator refuses the deletion itself with a 400, as Graph documents', async () => {
    const env = await start();
    const alice = env.emulator.control.user('alice');
    await expect(
      env.adapter.resetAuthenticators(alice.id, { all: false, ids: [MOBILE_PHONE_ID] }),
    ).resolves.toMatchObject({ removed: [], remaining: [expect.objectContaining({ id: MOBILE_PHONE_ID })] });
    expect(methodsOf(env, alice.id).some((m) => m.id === MOBILE_PHONE_ID)).toBe(true);
  });
});
