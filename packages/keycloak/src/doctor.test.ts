import type { DoctorReport } from '@recovery-gate/core';
import { signInBrowserless } from '@recovery-gate/emulator-kit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  currentOtp,
  DEMO_PASSWORD,
  type Emulator,
  GATE_CLIENT_ID,
  GATE_CLIENT_SECRET,
  startEmulator,
} from '../emulator/index.js';
import { createProvider } from './index.js';

const open: Emulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

async function emulator(): Promise<Emulator> {
  const e = await startEmulator({ guardrailsApplied: true });
  open.push(e);
  return e;
}

const fast = { sleep: async () => {}, maxRetries: 0 };
const provider = (e: Emulator, secret = GATE_CLIENT_SECRET, now?: () => Date) =>
  createProvider(
    { baseUrl: e.url, realm: e.realmName, auth: { clientId: GATE_CLIENT_ID, clientSecret: secret } },
    { ...fast, ...(now ? { now } : {}) },
  );
const byId = (report: DoctorReport) => new Map(report.checks.map((c) => [c.id, c]));
const failures = (report: DoctorReport) => report.checks.filter((c) => c.status === 'fail').map((c) => c.id);

/** A token of the gate's service account (it holds manage-realm and manage-clients) for admin-API calls. */
const adminToken = (e: Emulator): Promise<string> =>
  fetch(`${e.url}/realms/${e.realmName}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: GATE_CLIENT_ID,
      client_secret: GATE_CLIENT_SECRET,
    }),
  }).then(async (r) => String(((await r.json()) as { access_token: unknown }).access_token));

/** The gate's service account, whose realm-management roles a realm admin may have cut. */
function serviceAccountRoles(e: Emulator): Set<string> {
  const { realm } = e.control;
  const rm = [...realm.clients.values()].find((c) => c.clientId === 'realm-management');
  const sa = [...realm.users.values()].find((u) => u.username === `service-account-${GATE_CLIENT_ID}`);
  const roles = rm && sa?.clientRoles.get(rm.id);
  if (!roles) throw new Error('no service account roles');
  return roles;
}

describe('Keycloak doctor', () => {
  it('passes with the seeded gate client, reading only, and needs no hook URL', async () => {
    const e = await emulator();
    const before = e.control.exchanges().length;
    const report = await provider(e).doctor();
    expect(failures(report)).toEqual([]);
    expect(report.callbackUrl).toBeNull();
    expect(byId(report).get('role:view-events')?.status).toBe('ok');
    expect(byId(report).get('events')?.status).toBe('ok');
    expect(byId(report).get('clock')?.status).toBe('ok');
    const methods = new Set(
      e.control
        .exchanges()
        .slice(before)
        .map((x) => x.method),
    );
    expect([...methods]).toEqual(['GET']);
  });

  it('reads the server version: what 26.5.2 cannot express is a warning, 26.6.2 passes, pre-FGAP-v2 fails', async () => {
    const e = await emulator();
    const check = async () => byId(await provider(e).doctor()).get('server-version');
    expect(await check()).toMatchObject({
      status: 'warn',
      summary: expect.stringMatching(/26\.5\.2.*manage-membership-of-members/),
    });
    e.control.realm.settings.serverVersion = '26.6.2';
    expect(await check()).toMatchObject({ status: 'ok' });
    e.control.realm.settings.serverVersion = '25.0.6';
    expect(await check()).toMatchObject({
      status: 'fail',
      fix: expect.stringMatching(/upgrade to 26\.2\.0/),
    });
  });

  it('names a realm-management role the service account lacks, and the read Keycloak then refuses', async () => {
    const e = await emulator();
    serviceAccountRoles(e).delete('view-events');
    const report = await provider(e).doctor();
    expect(failures(report)).toEqual(['role:view-events', 'events']);
    expect(byId(report).get('events')).toMatchObject({
      summary: expect.stringMatching(/^missing view-events: the gate cannot poll admin events/),
      fix: expect.stringMatching(/assign the realm-management role view-events/),
    });
  });

  it('reports a revoked client secret on one line, with the fix, and runs nothing else', async () => {
    const e = await emulator();
    const report = await provider(e, 'an-old-rotated-secret').doctor();
    expect(report.checks).toEqual([
      expect.objectContaining({
        id: 'credential',
        status: 'fail',
        summary: expect.stringMatching(/refuses the client credentials of recovery-gate \(HTTP 401\)/),
        fix: expect.stringMatching(/holds the current secret/),
      }),
    ]);
    expect(JSON.stringify(report)).not.toContain('an-old-rotated-secret');
  });

  it('reports a wrong URL and a wrong realm', async () => {
    const nowhere = await createProvider(
      { baseUrl: 'http://127.0.0.1:1', realm: 'workforce', auth: { clientId: 'x', clientSecret: 'y' } },
      fast,
    ).doctor();
    expect(nowhere.checks).toEqual([
      expect.objectContaining({ status: 'fail', summary: 'cannot reach http://127.0.0.1:1' }),
    ]);
    const e = await emulator();
    const wrongRealm = await createProvider(
      { baseUrl: e.url, realm: 'nope', auth: { clientId: GATE_CLIENT_ID, clientSecret: GATE_CLIENT_SECRET } },
      fast,
    ).doctor();
    expect(wrongRealm.checks[0]).toMatchObject({ status: 'fail', fix: expect.stringMatching(/realm/) });
  });

  it('fails the clock check when the gate is minutes behind', async () => {
    const e = await emulator();
    const report = await provider(e, GATE_CLIENT_SECRET, () => new Date(Date.now() - 5 * 60_000)).doctor();
    expect(byId(report).get('clock')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/behind the IdP's/),
    });
  });

  it("checks the pages client's AMR mapper, and the ID tokens follow it: none, on a default scope, on the client", async () => {
    const e = await emulator();
    const pages = { client_id: 'recovery-gate-pages', redirect_uris: ['http://127.0.0.1/pages/callback'] };
    await e.oidc.server.registerClient(pages);
    const doctorOn = async (pagesClientId: string) =>
      byId(await provider(e).doctor({ pagesClientId })).get('recovery-code-amr');
    const signIn = async () => {
      const alice = e.control.realm.users.get(e.control.userId('alice'));
      const result = await signInBrowserless({
        authorizationEndpoint: e.oidc.authorizationEndpoint,
        tokenEndpoint: e.oidc.tokenEndpoint,
        clientId: pages.client_id,
        redirectUri: pages.redirect_uris[0] as string,
        login: 'alice',
        password: DEMO_PASSWORD,
        params: { acr_values: '2' },
        otp: () => (alice === undefined ? undefined : currentOtp(alice)),
      });
      return result.idToken;
    };
    // The seeded realm has the mapper on its `acr` scope, a default scope of every client.
    expect(await doctorOn(pages.client_id)).toMatchObject({
      status: 'ok',
      summary: expect.stringContaining('"recovery-gate-pages"'),
    });
    expect((await signIn()).amr).toEqual(['pwd', 'otp']);

    // A realm admin takes it off the scope: the pages client's ID tokens carry no amr, and doctor says so.
    const auth = { authorization: `Bearer ${await adminToken(e)}` };
    const api = `${e.url}/admin/realms/${e.realmName}`;
    const scopes = (await (await fetch(`${api}/client-scopes`, { headers: auth })).json()) as {
      id: string;
      name: string;
      protocolMappers?: { id: string; protocolMapper: string }[];
    }[];
    const acr = scopes.find((s) => s.name === 'acr');
    const mapper = acr?.protocolMappers?.find((m) => m.protocolMapper === 'oidc-amr-mapper');
    const removed = await fetch(`${api}/client-scopes/${acr?.id}/protocol-mappers/models/${mapper?.id}`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(removed.status).toBe(204);
    const missing = await doctorOn(pages.client_id);
    expect(missing).toMatchObject({
      status: 'warn',
      summary: expect.stringMatching(/no AMR mapper.*ordinary step-up/),
    });
    expect(missing?.fix).toMatch(/Add to ID token/);
    const without = await signIn();
    expect(without.acr).toBe('2');
    expect(without).not.toHaveProperty('amr');

    // The admin adds it to the pages client itself (a realm client like any other, through the admin API).
    const [client] = (await (
      await fetch(`${api}/clients?clientId=${pages.client_id}`, { headers: auth })
    ).json()) as { id: string }[];
    const added = await fetch(`${api}/clients/${client?.id}/protocol-mappers/models`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'amr',
        protocol: 'openid-connect',
        protocolMapper: 'oidc-amr-mapper',
        config: { 'id.token.claim': 'true' },
      }),
    });
    expect(added.status).toBe(201);
    expect(await doctorOn(pages.client_id)).toMatchObject({ status: 'ok' });
    expect((await signIn()).amr).toEqual(['pwd', 'otp']);

    // A client id the realm does not have is a configuration error.
    expect(await doctorOn('no-such-client')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/does not exist/),
    });
  });

  it('warns when a recovery-code sign-in cannot be told apart: the form has lost its reference value', async () => {
    const e = await emulator();
    expect(byId(await provider(e).doctor()).get('recovery-code-amr')).toMatchObject({
      status: 'ok',
      summary: expect.stringContaining('amr "recovery-code"'),
    });
    // A realm admin clears the form's reference value through the admin API, as the console does.
    const token = await adminToken(e);
    const admin = `${e.url}/admin/realms/${e.realmName}/authentication`;
    const auth = { authorization: `Bearer ${token}` };
    const executions = (await (
      await fetch(`${admin}/flows/browser/executions`, { headers: auth })
    ).json()) as {
      providerId?: string;
      authenticationConfig?: string;
    }[];
    const form = executions.find((x) => x.providerId === 'auth-recovery-authn-code-form');
    const configUrl = `${admin}/config/${String(form?.authenticationConfig)}`;
    const put = await fetch(configUrl, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ alias: 'recovery-code-amr', config: {} }),
    });
    expect(put.status).toBe(204);
    const check = byId(await provider(e).doctor()).get('recovery-code-amr');
    expect(check).toMatchObject({ status: 'warn', summary: expect.stringMatching(/ordinary step-up/) });
    expect(check?.fix).toMatch(/default\.reference\.value/);
  });
});
