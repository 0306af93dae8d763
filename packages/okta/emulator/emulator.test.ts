import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './index.js';

const open: Emulator[] = [];
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function start(options: Parameters<typeof startEmulator>[0] = {}): Promise<Emulator> {
  const emulator = await startEmulator(options);
  open.push(emulator);
  return emulator;
}

async function api(emu: Emulator, method: string, path: string, body?: unknown, token = emu.apiToken) {
  const response = await fetch(`${emu.url}${path}`, {
    method,
    headers: {
      authorization: `SSWS ${token}`,
      accept: 'application/json',
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

function nextLink(headers: Headers): string | null {
  const match = /<([^>]+)>; rel="next"/.exec(headers.get('link') ?? '');
  return match ? (match[1] as string) : null;
}

/** A receiver that records requests and answers with the given statuses in turn. */
async function receiver(statuses: number[]): Promise<{
  url: string;
  requests: { method: string; headers: IncomingMessage['headers']; body: string }[];
}> {
  const requests: { method: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', headers: req.headers, body });
      const status = statuses.shift() ?? 200;
      const challenge = req.headers['x-okta-verification-challenge'];
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(challenge ? JSON.stringify({ verification: challenge }) : '');
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, requests };
}

describe('Okta emulator: errors, auth and rate-limit headers', () => {
  it("answers an unknown user with 404 E0000007 in Okta's error shape", async () => {
    const emu = await start();
    const res = await api(emu, 'GET', '/api/v1/users/00uNoSuchUser0000000');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ errorCode: 'E0000007', errorLink: 'E0000007', errorCauses: [] });
    expect(String((res.body as { errorId: string }).errorId)).toMatch(/^oae/);
  });

  it('refuses a bad token with 401 E0000011 and an agent without the permission with 403 E0000006', async () => {
    const emu = await start();
    expect((await api(emu, 'GET', '/api/v1/users/me', undefined, 'bogus')).body).toMatchObject({
      errorCode: 'E0000011',
    });
    const frank = emu.control.createApiToken('frank@example.com');
    const denied = await api(
      emu,
      'POST',
      '/api/v1/iam/roles',
      { label: 'x', description: 'x', permissions: ['okta.users.read'] },
      frank,
    );
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ errorCode: 'E0000006' });
  });

  it('sends X-Rate-Limit headers, and a 429 E0000047 with a reset in the future when rate limiting is injected', async () => {
    const emu = await start();
    const ok = await api(emu, 'GET', '/api/v1/users/me');
    expect(ok.headers.get('x-rate-limit-limit')).toBe('600');
    expect(Number(ok.headers.get('x-rate-limit-remaining'))).toBeLessThan(600);
    emu.control.faults.inject({ kind: 'rate_limit', count: 1, retryAfterSeconds: 7 });
    const limited = await api(emu, 'GET', '/api/v1/users/me');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ errorCode: 'E0000047' });
    const reset = Number(limited.headers.get('x-rate-limit-reset')) * 1000;
    const date = Date.parse(limited.headers.get('date') ?? '');
    expect(reset - date).toBeGreaterThanOrEqual(6000);
    expect(reset - date).toBeLessThanOrEqual(7000);
  });
});

describe('Okta emulator: System Log', () => {
  it('pages a polling request with a next link on every page, even the empty last one', async () => {
    const emu = await start({ synthetic: { users: 10, logEvents: 250 } });
    const since = new Date(emu.control.now() - 3 * 24 * 3600_000).toISOString();
    let url: string | null = `/api/v1/logs?since=${encodeURIComponent(since)}&limit=100`;
    const seen = new Set<string>();
    let pages = 0;
    while (url !== null && pages < 10) {
      const res = await api(emu, 'GET', url.replace(emu.url, ''));
      const events = res.body as { uuid: string }[];
      pages++;
      for (const e of events) seen.add(e.uuid);
      url = nextLink(res.headers);
      expect(url).not.toBeNull();
      if (events.length === 0) break;
    }
    expect(seen.size).toBe(251);
    expect(pages).toBe(4);
  });

  it('pages a bounded request finitely, filters with SCIM expressions and refuses a bad filter', async () => {
    const emu = await start({ synthetic: { users: 4, logEvents: 40 } });
    const since = encodeURIComponent(new Date(emu.control.now() - 2 * 24 * 3600_000).toISOString());
    const until = encodeURIComponent(new Date(emu.control.now() + 1000).toISOString());
    const filter = encodeURIComponent(
      'eventType eq "user.mfa.factor.reset_all" or eventType sw "user.account.reset"',
    );
    const first = await api(
      emu,
      'GET',
      `/api/v1/logs?since=${since}&until=${until}&filter=${filter}&limit=15`,
    );
    const types = (first.body as { eventType: string }[]).map((e) => e.eventType);
    expect(new Set(types)).toEqual(new Set(['user.mfa.factor.reset_all', 'user.account.reset_password']));
    const next = nextLink(first.headers);
    expect(next).not.toBeNull();
    const second = await api(emu, 'GET', (next as string).replace(emu.url, ''));
    expect((second.body as unknown[]).length).toBe(5);
    expect(nextLink(second.headers)).toBeNull();
    const bad = await api(emu, 'GET', `/api/v1/logs?filter=${encodeURIComponent('eventType [ "x"')}`);
    expect(bad.status).toBe(400);
  });

  it("logs an agent's native reset with the agent as actor", async () => {
    const emu = await start();
    const status = await emu.control.nativeAction('frank@example.com', 'alice@example.com', {
      kind: 'reset_factors',
    });
    expect(status).toBe(200);
    const last = emu.control.state.log.at(-1)?.event as {
      eventType: string;
      actor: { alternateId: string };
      target: { alternateId: string }[];
    };
    expect(last.eventType).toBe('user.mfa.factor.reset_all');
    expect(last.actor.alternateId).toBe('frank@example.com');
    expect(last.target[0]?.alternateId).toBe('alice@example.com');
    expect(
      [...emu.control.state.factors.values()].some(
        (f) => f.userId === emu.control.userId('alice@example.com'),
      ),
    ).toBe(false);
  });
});

describe('Okta emulator: event hooks', () => {
  async function createHook(emu: Emulator, url: string) {
    const res = await api(emu, 'POST', '/api/v1/eventHooks', {
      name: 'test',
      events: { type: 'EVENT_TYPE', items: ['group.user_membership.add'] },
      channel: {
        type: 'HTTP',
        version: '1.0.0',
        config: {
          uri: url,
          headers: [],
          authScheme: { type: 'HEADER', key: 'Authorization', value: 's3cret-value' },
        },
      },
    });
    expect(res.status).toBe(200);
    return res.body as {
      id: string;
      verificationStatus: string;
      channel: { config: { authScheme: Record<string, unknown> } };
    };
  }

  it('never returns the auth value, verifies with a GET challenge, then delivers with the Authorization header', async () => {
    const emu = await start({ guardrailsApplied: true });
    const target = await receiver([200, 200]);
    const hook = await createHook(emu, target.url);
    expect(hook.verificationStatus).toBe('UNVERIFIED');
    expect(hook.channel.config.authScheme).not.toHaveProperty('value');
    const verified = await api(emu, 'POST', `/api/v1/eventHooks/${hook.id}/lifecycle/verify`);
    expect(verified.body).toMatchObject({ verificationStatus: 'VERIFIED' });
    expect(target.requests[0]?.method).toBe('GET');
    expect(target.requests[0]?.headers.authorization).toBe('s3cret-value');
    await emu.control.nativeAction('frank@example.com', 'alice@example.com', {
      kind: 'add_to_group',
      group: 'recovery-request-mfa_reset',
    });
    await emu.control.hooks.idle();
    const delivery = target.requests[1];
    expect(delivery?.method).toBe('POST');
    expect(delivery?.headers.authorization).toBe('s3cret-value');
    const body = JSON.parse(delivery?.body ?? '{}') as {
      eventType: string;
      data: { events: { eventType: string }[] };
    };
    expect(body.eventType).toBe('com.okta.event_hook');
    expect(body.data.events[0]?.eventType).toBe('group.user_membership.add');
  });

  it('retries a delivery once after a 5xx, never after a 4xx, and can drop deliveries', async () => {
    const emu = await start({ guardrailsApplied: true });
    const target = await receiver([200, 503, 200, 400]);
    const hook = await createHook(emu, target.url);
    await api(emu, 'POST', `/api/v1/eventHooks/${hook.id}/lifecycle/verify`);
    await emu.control.nativeAction('frank@example.com', 'alice@example.com', {
      kind: 'add_to_group',
      group: 'recovery-request-mfa_reset',
    });
    await emu.control.hooks.idle();
    expect(target.requests.length).toBe(3);
    await emu.control.nativeAction('frank@example.com', 'bob@example.com', {
      kind: 'add_to_group',
      group: 'recovery-request-mfa_reset',
    });
    await emu.control.hooks.idle();
    expect(target.requests.length).toBe(4);
    emu.control.hooks.dropNext(1);
    await emu.control.nativeAction('frank@example.com', 'erin@example.com', {
      kind: 'add_to_group',
      group: 'recovery-request-mfa_reset',
    });
    await emu.control.hooks.idle();
    expect(target.requests.length).toBe(4);
    expect(emu.control.hooks.log().at(-1)?.dropped).toBe(true);
  });

  it('refuses a non-eligible event type and a plain-http non-loopback target', async () => {
    const emu = await start();
    const base = {
      name: 'x',
      channel: { type: 'HTTP', version: '1.0.0', config: { uri: 'https://example.com/h', headers: [] } },
    };
    const notEligible = await api(emu, 'POST', '/api/v1/eventHooks', {
      ...base,
      events: { type: 'EVENT_TYPE', items: ['user.account.expire_password'] },
    });
    expect(notEligible.status).toBe(400);
    const http = await api(emu, 'POST', '/api/v1/eventHooks', {
      ...base,
      events: { type: 'EVENT_TYPE', items: ['user.session.clear'] },
      channel: { ...base.channel, config: { uri: 'http://example.com/h', headers: [] } },
    });
    expect(http.status).toBe(400);
  });

  it('a deactivated hook stays VERIFIED (as Okta returns it) but receives nothing until activated again', async () => {
    const emu = await start({ guardrailsApplied: true });
    const target = await receiver([200, 200, 200]);
    const hook = await createHook(emu, target.url);
    await api(emu, 'POST', `/api/v1/eventHooks/${hook.id}/lifecycle/verify`);
    const off = await api(emu, 'POST', `/api/v1/eventHooks/${hook.id}/lifecycle/deactivate`);
    expect(off.body).toMatchObject({ status: 'INACTIVE', verificationStatus: 'VERIFIED' });
    const request = (user: string) =>
      emu.control.nativeAction('frank@example.com', user, {
        kind: 'add_to_group',
        group: 'recovery-request-mfa_reset',
      });
    await request('alice@example.com');
    await emu.control.hooks.idle();
    expect(target.requests.map((r) => r.method)).toEqual(['GET']);
    const on = await api(emu, 'POST', `/api/v1/eventHooks/${hook.id}/lifecycle/activate`);
    expect(on.body).toMatchObject({ status: 'ACTIVE', verificationStatus: 'VERIFIED' });
    await request('bob@example.com');
    await emu.control.hooks.idle();
    expect(target.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
  });

  it('refuses to activate a hook past the 25 active hooks of an org', async () => {
    const emu = await start();
    const target = await receiver([]);
    const first = await createHook(emu, target.url);
    await api(emu, 'POST', `/api/v1/eventHooks/${first.id}/lifecycle/deactivate`);
    for (let i = 0; i < 25; i++) await createHook(emu, target.url);
    const refused = await api(emu, 'POST', `/api/v1/eventHooks/${first.id}/lifecycle/activate`);
    expect(refused.status).toBe(400);
    expect(emu.control.state.hooks.get(first.id)?.status).toBe('INACTIVE');
  });
});

describe('Okta emulator: TAC, push and tokens', () => {
  it.each(['profile', 'config'] as const)(
    'enforces the TAC authenticator settings on creation (%s body): ttl within min-max, multi-use only if allowed',
    async (shape) => {
      const emu = await start({
        tacRequestBody: shape,
        tacAuthenticator: { minTtl: 60, maxTtl: 240, defaultTtl: 90, multiUseAllowed: false },
      });
      const alice = emu.control.userId('alice@example.com');
      const authenticatorId = emu.control.state.tacAuthenticator.id;
      const create = (ttl: number | undefined, multiUse: boolean) =>
        api(emu, 'POST', `/api/v1/users/${alice}/authenticator-enrollments/tac`, {
          authenticatorId,
          ...(shape === 'profile'
            ? { profile: { ...(ttl === undefined ? {} : { ttl: String(ttl) }), multiUse } }
            : { authenticatorType: 'tac', config: { ...(ttl === undefined ? {} : { ttl }), multiUse } }),
        });
      const tacs = () => [...emu.control.state.enrollments.values()].filter((e) => e.key === 'tac');
      for (const [ttl, multiUse] of [
        [30, false],
        [241, false],
        [60, true],
      ] as const) {
        const refused = await create(ttl, multiUse);
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ errorCode: 'E0000001' });
      }
      expect(tacs()).toEqual([]);
      expect((await create(240, false)).status).toBe(200);
      expect(tacs()[0]?.tac).toMatchObject({ multiUse: false });
      expect((await create(undefined, false)).status).toBe(200);
      const [only] = tacs();
      expect((only?.tac?.expiresAt ?? 0) - (only?.created ?? 0)).toBe(90 * 60_000);
      const listed = (await api(emu, 'GET', '/api/v1/authenticators')).body as {
        key: string;
        provider?: { configuration?: object };
      }[];
      expect(listed.find((a) => a.key === 'tac')?.provider?.configuration).toMatchObject({
        minTtl: 60,
        maxTtl: 240,
        defaultTtl: 90,
        multiUseAllowed: false,
      });
    },
  );

  it('refuses TAC authenticator settings Okta would not accept', async () => {
    await expect(start({ tacAuthenticator: { minTtl: 5 } })).rejects.toThrow(/10-14400/);
    await expect(start({ tacAuthenticator: { minTtl: 300, maxTtl: 200 } })).rejects.toThrow(/minTtl <=/);
  });

  it('keeps one active TAC per user, enforces expiry and single use at sign-in', async () => {
    const emu = await start();
    const alice = emu.control.userId('alice@example.com');
    const tacId = emu.control.state.tacAuthenticator.id;
    const first = await api(emu, 'POST', `/api/v1/users/${alice}/authenticator-enrollments/tac`, {
      authenticatorId: tacId,
      profile: { ttl: '10', multiUse: false },
    });
    const second = await api(emu, 'POST', `/api/v1/users/${alice}/authenticator-enrollments/tac`, {
      authenticatorId: tacId,
      profile: { ttl: '10', multiUse: false },
    });
    const code1 = (first.body as { profile: { tac: string } }).profile.tac;
    const code2 = (second.body as { profile: { tac: string } }).profile.tac;
    expect(await emu.control.signInWithTac(alice, code1)).toBe(false);
    const listed = await api(emu, 'GET', `/api/v1/users/${alice}/authenticator-enrollments`);
    expect(JSON.stringify(listed.body)).not.toContain(code2);
    emu.control.advanceClock(11 * 60_000);
    expect(await emu.control.signInWithTac(alice, code2)).toBe(false);
    const third = await api(emu, 'POST', `/api/v1/users/${alice}/authenticator-enrollments/tac`, {
      authenticatorId: tacId,
      profile: { ttl: '10', multiUse: false },
    });
    const code3 = (third.body as { profile: { tac: string } }).profile.tac;
    expect(await emu.control.signInWithTac(alice, code3)).toBe(true);
    expect(await emu.control.signInWithTac(alice, code3)).toBe(false);
    const tooShort = await api(emu, 'POST', `/api/v1/users/${alice}/authenticator-enrollments/tac`, {
      authenticatorId: tacId,
      profile: { ttl: '5' },
    });
    expect(tooShort.status).toBe(400);
  });

  it('times a push out on the emulator clock and reports the number to match', async () => {
    const emu = await start({ pushTtlSeconds: 60 });
    const alice = emu.control.userId('alice@example.com');
    const factor = [...emu.control.state.factors.values()].find(
      (f) => f.userId === alice && f.factorType === 'push',
    );
    const started = await api(emu, 'POST', `/api/v1/users/${alice}/factors/${factor?.id}/verify`, {
      useNumberMatchingChallenge: true,
    });
    expect(started.status).toBe(201);
    const body = started.body as {
      _links: { poll: { href: string } };
      _embedded: { challenge: { correctAnswer: number } };
    };
    expect(body._embedded.challenge.correctAnswer).toBe(emu.control.pendingPushNumber(alice));
    emu.control.advanceClock(61_000);
    const polled = await api(emu, 'GET', body._links.poll.href.replace(emu.url, ''));
    expect(polled.body).toMatchObject({ factorResult: 'TIMEOUT' });
  });

  it('approves a number-matching push only with the number picked, as Okta Verify does', async () => {
    const emu = await start();
    const alice = emu.control.userId('alice@example.com');
    const factor = [...emu.control.state.factors.values()].find(
      (f) => f.userId === alice && f.factorType === 'push',
    );
    const push = async () => {
      const started = await api(emu, 'POST', `/api/v1/users/${alice}/factors/${factor?.id}/verify`, {
        useNumberMatchingChallenge: true,
      });
      const body = started.body as { _links: { poll: { href: string } } };
      return async () => (await api(emu, 'GET', body._links.poll.href.replace(emu.url, ''))).body;
    };
    const first = await push();
    const number = emu.control.pendingPushNumber(alice) as number;
    expect(emu.control.answerPush(alice, 'approve')).toBe(false);
    expect(await first()).toMatchObject({ factorResult: 'WAITING' });
    expect(emu.control.answerPush(alice, 'approve', (number + 1) % 100)).toBe(true);
    expect(await first()).toMatchObject({ factorResult: 'REJECTED' });
    const second = await push();
    expect(emu.control.answerPush(alice, 'approve', emu.control.pendingPushNumber(alice) as number)).toBe(
      true,
    );
    expect(await second()).toMatchObject({ factorResult: 'SUCCESS' });
  });

  it('refuses a refresh token after sessions are cleared with oauthTokens=true', async () => {
    const emu = await start();
    const { refreshToken, sessionId } = await emu.control.mintSession('alice@example.com');
    const refresh = () =>
      fetch(emu.oidc.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: emu.oidc.clientId,
        }),
      }).then((r) => r.status);
    expect(await refresh()).toBe(200);
    expect((await api(emu, 'GET', `/api/v1/sessions/${sessionId}`)).status).toBe(200);
    const alice = emu.control.userId('alice@example.com');
    expect((await api(emu, 'DELETE', `/api/v1/users/${alice}/sessions?oauthTokens=true`)).status).toBe(204);
    expect(await refresh()).toBe(400);
    expect((await api(emu, 'GET', `/api/v1/sessions/${sessionId}`)).status).toBe(404);
  });

  it('seeds large synthetic tenants', async () => {
    const emu = await start({ seed: 'empty', synthetic: { users: 2000, groups: 50, logEvents: 3000 } });
    expect(emu.control.state.users.size).toBe(2001);
    expect(emu.control.state.groups.size).toBe(51);
    expect(emu.control.state.log.length).toBe(3000);
  });

  it('deactivates a user (sessions and tokens end) and activates them again with a token', async () => {
    const emu = await start();
    const { refreshToken } = await emu.control.mintSession('erin@example.com');
    const erin = emu.control.userId('erin@example.com');
    expect((await api(emu, 'POST', `/api/v1/users/${erin}/lifecycle/deactivate`)).status).toBe(200);
    expect(emu.control.state.users.get(erin)?.status).toBe('DEPROVISIONED');
    expect(await emu.oidc.server.refreshTokenWorks(refreshToken)).toBe(false);
    const activated = await api(emu, 'POST', `/api/v1/users/${erin}/lifecycle/activate?sendEmail=false`);
    expect(activated.body).toMatchObject({ activationUrl: expect.stringContaining('/tokens/') });
    expect(emu.control.state.users.get(erin)?.status).toBe('PROVISIONED');
  });
});
