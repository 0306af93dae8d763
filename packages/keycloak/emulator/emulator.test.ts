import { otpCodeForKey } from '@recovery-gate/emulator-kit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  APP_CLIENT_ID,
  APP_CLIENT_SECRET,
  DEMO_PASSWORD,
  type Emulator,
  GATE_CLIENT_ID,
  GATE_CLIENT_SECRET,
  startEmulator,
} from './index.js';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function tokenFor(e: Emulator, form: Record<string, string>, auth?: string): Promise<Response> {
  return fetch(e.oidc.tokenEndpoint, {
    method: 'POST',
    headers: auth === undefined ? {} : { authorization: auth },
    body: new URLSearchParams(form),
  });
}

async function gateToken(e: Emulator): Promise<string> {
  const res = await tokenFor(
    e,
    { grant_type: 'client_credentials' },
    basic(GATE_CLIENT_ID, GATE_CLIENT_SECRET),
  );
  return ((await res.json()) as { access_token: string }).access_token;
}

async function admin(
  e: Emulator,
  method: string,
  path: string,
  body?: unknown,
  bearer?: string,
): Promise<Response> {
  return fetch(`${e.url}/admin/realms/workforce/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer ?? (await gateToken(e))}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('Keycloak emulator', () => {
  it('answers the token endpoint with OAuth error bodies and no refresh token for client credentials', async () => {
    emu = await startEmulator();
    const bad = await tokenFor(emu, { grant_type: 'client_credentials' }, basic(GATE_CLIENT_ID, 'wrong'));
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: 'unauthorized_client' });
    const ok = await tokenFor(
      emu,
      { grant_type: 'client_credentials' },
      basic(GATE_CLIENT_ID, GATE_CLIENT_SECRET),
    );
    const body = (await ok.json()) as Record<string, unknown>;
    expect(body.refresh_token).toBeUndefined();
    expect(body.expires_in).toBe(60);
  });

  it('expires admin tokens on its own clock and refuses them with 401', async () => {
    emu = await startEmulator();
    const bearer = await gateToken(emu);
    expect((await admin(emu, 'GET', 'users?max=1', undefined, bearer)).status).toBe(200);
    emu.control.advanceClock(61_000);
    expect((await admin(emu, 'GET', 'users?max=1', undefined, bearer)).status).toBe(401);
  });

  it('locks an account after repeated failures and reports it through attack detection', async () => {
    emu = await startEmulator();
    const app = basic(APP_CLIENT_ID, APP_CLIENT_SECRET);
    for (let i = 0; i < 5; i++)
      await tokenFor(emu, { grant_type: 'password', username: 'alice', password: 'nope' }, app);
    const locked = await tokenFor(
      emu,
      { grant_type: 'password', username: 'alice', password: DEMO_PASSWORD },
      app,
    );
    expect(locked.status).toBe(401);
    const status = (await (
      await admin(emu, 'GET', `attack-detection/brute-force/users/${emu.control.userId('alice')}`)
    ).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ disabled: true, numFailures: 5 });
  });

  it('refuses a stale refresh token after logout, and an offline token after its consent is revoked', async () => {
    emu = await startEmulator();
    const app = basic(APP_CLIENT_ID, APP_CLIENT_SECRET);
    const alice = emu.control.userId('alice');
    const online = (await (
      await tokenFor(emu, { grant_type: 'password', username: 'alice', password: DEMO_PASSWORD }, app)
    ).json()) as { refresh_token: string };
    const offline = (await (
      await tokenFor(
        emu,
        { grant_type: 'password', username: 'alice', password: DEMO_PASSWORD, scope: 'offline_access' },
        app,
      )
    ).json()) as { refresh_token: string };
    expect((await admin(emu, 'POST', `users/${alice}/logout`)).status).toBe(204);
    const refused = await tokenFor(
      emu,
      { grant_type: 'refresh_token', refresh_token: online.refresh_token },
      app,
    );
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
    const consents = (await (await admin(emu, 'GET', `users/${alice}/consents`)).json()) as {
      clientId: string;
      additionalGrants?: { key: string }[];
    }[];
    expect(consents[0]).toMatchObject({
      clientId: APP_CLIENT_ID,
      additionalGrants: [{ key: 'Offline Token' }],
    });
    expect((await admin(emu, 'DELETE', `users/${alice}/consents/${APP_CLIENT_ID}`)).status).toBe(204);
    expect(
      (await tokenFor(emu, { grant_type: 'refresh_token', refresh_token: offline.refresh_token }, app))
        .status,
    ).toBe(400);
    expect((await admin(emu, 'DELETE', `users/${alice}/consents/${APP_CLIENT_ID}`)).status).toBe(404);
  });

  it('enforces action-token expiry, single completion for one-time actions only, and the email binding', async () => {
    emu = await startEmulator();
    const alice = emu.control.userId('alice');
    const send = async (actions: string[], lifespan: number) => {
      expect(
        (
          await admin(
            emu as Emulator,
            'PUT',
            `users/${alice}/execute-actions-email?lifespan=${lifespan}`,
            actions,
          )
        ).status,
      ).toBe(204);
      return (emu as Emulator).control.outbox().at(-1)?.link as string;
    };
    /**
     * Submits the required-action form the link's page carries, as the browser would; `app` types the code
     * the emulated authenticator app shows for the key the page shows (CONFIGURE_TOTP).
     */
    const finish = async (link: string, fields: Record<string, string>, app = false) => {
      const html = await (await fetch(link)).text();
      const form = /action="([^"]+)"[^>]*><input type="hidden" name="key" value="([^"]+)"/.exec(html);
      const key = form?.[2] ?? new URL(link).searchParams.get('key') ?? '';
      const target = form?.[1] ?? link.replace(/action-token\?.*$/, 'required-action');
      const totpSecret = /name="totpSecret" value="([A-Z2-7]+)"/.exec(html)?.[1] ?? '';
      const totp = app ? { totpSecret, totp: otpCodeForKey(totpSecret) } : {};
      return fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ key, ...totp, ...fields }),
      });
    };
    const reusable = await send(['webauthn-register'], 600);
    expect((await fetch(reusable)).status).toBe(200);
    expect((await fetch(reusable)).status).toBe(200);
    const once = await send(['CONFIGURE_TOTP'], 600);
    // Keycloak spends the token when the required actions finish, not when the link is opened.
    expect((await fetch(once)).status).toBe(200);
    expect((await fetch(once)).status).toBe(200);
    // CONFIGURE_TOTP finishes only with the code of the key shown: no code, or a wrong one, changes nothing.
    const otpsBefore = () =>
      emu?.control.realm.users.get(alice)?.credentials.filter((c) => c.type === 'otp').length ?? -1;
    const before = otpsBefore();
    expect((await finish(once, {})).status).toBe(400);
    expect((await finish(once, { totp: '000000' }, false)).status).toBe(400);
    expect(otpsBefore()).toBe(before);
    expect((await finish(once, {}, true)).status).toBe(200);
    expect(otpsBefore()).toBe(before + 1);
    expect((await fetch(once)).status).toBe(400);
    expect((await finish(once, {}, true)).status).toBe(400);
    const password = await send(['UPDATE_PASSWORD'], 600);
    expect((await finish(password, { 'password-new': 'short', 'password-confirm': 'short' })).status).toBe(
      400,
    );
    expect((await fetch(password)).status).toBe(200);
    const fresh = { 'password-new': 'Fresh-Passw0rd', 'password-confirm': 'Fresh-Passw0rd' };
    expect((await finish(password, fresh)).status).toBe(200);
    expect((await fetch(password)).status).toBe(400);
    expect(emu.control.realm.users.get(alice)?.credentials.find((c) => c.type === 'password')?.secret).toBe(
      'Fresh-Passw0rd',
    );
    const expiring = await send(['UPDATE_PASSWORD'], 60);
    emu.control.advanceClock(61_000);
    expect((await fetch(expiring)).status).toBe(400);
    expect((await admin(emu, 'PUT', `users/${alice}/execute-actions-email`, ['NOT_AN_ACTION'])).status).toBe(
      400,
    );
  });

  it('records console actions as admin events with the real resourcePath, representation and authDetails', async () => {
    emu = await startEmulator({ guardrailsApplied: true });
    const alice = emu.control.userId('alice');
    const frank = emu.control.userId('frank');
    const signIn = await tokenFor(emu, {
      grant_type: 'password',
      client_id: 'admin-cli',
      username: 'frank',
      password: DEMO_PASSWORD,
    });
    const bearer = ((await signIn.json()) as { access_token: string }).access_token;
    const group = [...emu.control.realm.groups.values()].find((g) => g.name === 'password_reset');
    expect((await admin(emu, 'PUT', `users/${alice}/groups/${group?.id}`, undefined, bearer)).status).toBe(
      204,
    );
    const [event] = (await (
      await admin(
        emu,
        'GET',
        'admin-events?operationTypes=CREATE&resourceTypes=GROUP_MEMBERSHIP&resourcePath=users/*',
      )
    ).json()) as Record<string, unknown>[];
    expect(event).toMatchObject({
      operationType: 'CREATE',
      resourceType: 'GROUP_MEMBERSHIP',
      resourcePath: `users/${alice}/groups/${group?.id}`,
      authDetails: { userId: frank },
      details: { username: 'alice' },
    });
    expect(JSON.parse(String(event?.representation))).toMatchObject({
      path: '/recovery-requests/password_reset',
    });
    expect((await admin(emu, 'GET', 'admin-events?dateFrom=yesterday')).status).toBe(400);
  });

  it("uses Keycloak's error bodies: 404 user, 409 group, unknown realm, removed remove-totp", async () => {
    emu = await startEmulator();
    expect(await (await admin(emu, 'GET', 'users/00000000-0000-4000-8000-000000000000')).json()).toEqual({
      error: 'User not found',
    });
    const conflict = await admin(emu, 'POST', 'groups', { name: 'Staff' });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toEqual({ errorMessage: "Top level group named 'Staff' already exists." });
    const other = await fetch(`${emu.url}/admin/realms/other/users`, {
      headers: { authorization: `Bearer ${await gateToken(emu)}` },
    });
    expect(other.status).toBe(404);
    expect((await admin(emu, 'PUT', `users/${emu.control.userId('alice')}/remove-totp`)).status).toBe(404);
  });

  it('refuses admin tokens of a client without the kc-admin-api scope (26.8.2+ audience check)', async () => {
    emu = await startEmulator();
    const gate = [...emu.control.realm.clients.values()].find((c) => c.clientId === GATE_CLIENT_ID);
    if (gate !== undefined)
      gate.defaultClientScopes = gate.defaultClientScopes.filter(
        (s) => emu?.control.realm.clientScopes.get(s)?.name !== 'kc-admin-api',
      );
    expect((await admin(emu, 'GET', 'users?max=1')).status).toBe(401);
  });

  it('keeps fine-grained admin permissions v2 as data on the admin-permissions client', async () => {
    emu = await startEmulator({ guardrailsApplied: true });
    const realm = (await (await admin(emu, 'GET', '')).json()) as {
      adminPermissionsEnabled: boolean;
      adminPermissionsClient: { id: string };
    };
    expect(realm.adminPermissionsEnabled).toBe(true);
    const base = `clients/${realm.adminPermissionsClient.id}/authz/resource-server`;
    const resources = (await (await admin(emu, 'GET', `${base}/resource`)).json()) as { name: string }[];
    expect(resources.map((r) => r.name)).toEqual(expect.arrayContaining(['Users', 'Groups']));
    const permissions = (await (await admin(emu, 'GET', `${base}/permission`)).json()) as {
      name: string;
      resourceType: string;
    }[];
    expect(permissions.map((p) => p.name)).toContain('recovery-gate: help desk may fill request groups');
    const policies = (await (await admin(emu, 'GET', `${base}/policy?type=group`)).json()) as {
      name: string;
      config: { groups: string };
    }[];
    expect(JSON.parse(policies[0]?.config.groups ?? '[]')).toHaveLength(1);
    const invalid = await admin(emu, 'POST', `${base}/permission/scope`, {
      name: 'x',
      resourceType: 'Users',
      scopes: ['fly'],
      policies: [],
    });
    expect(invalid.status).toBe(400);
    const affirmative = await admin(emu, 'POST', `${base}/permission/scope`, {
      name: 'y',
      resourceType: 'Users',
      scopes: ['view'],
      decisionStrategy: 'AFFIRMATIVE',
    });
    expect(await affirmative.json()).toEqual({ errorMessage: 'Only UNANIMOUS decision strategy is allowed' });
  });

  it('seeds large synthetic realms for benchmarks', async () => {
    emu = await startEmulator({ seed: { syntheticUsers: 2_000 } });
    expect(emu.control.realm.users.size).toBeGreaterThan(2_000);
    const page = (await (await admin(emu, 'GET', 'users?search=user01&max=5')).json()) as unknown[];
    expect(page).toHaveLength(5);
  });
});
