import { createSecret, type IdpKind } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { approvePost } from './approve.js';
import { createPagesCtx, type PagesCtx } from './context.js';
import { intentHandlers } from './intents.js';
import { peekLink } from './links.js';
import type { OidcClients } from './oidc.js';
import { cookieOf, get, openCase, usePagesFixture } from './pages.test-helper.js';
import { callback, startFromLink } from './signin.js';

const fx = usePagesFixture();

/**
 * The pages on the fixture's engine, with the IdP's sign-in answered by whoever the test says signs in
 * (the step-up itself is tested on the emulators in the browser tests).
 */
function pages(who: { sub: string }): PagesCtx {
  const oidc: OidcClients = {
    has: (idp: string): idp is IdpKind => ['okta'].includes(idp),
    start: async () => ({
      url: 'https://idp.test/authorize',
      state: 'st',
      nonce: 'n',
      verifier: 'v',
      maxAge: 300,
      acrValues: 'mfa',
    }),
    finish: async () => ({
      sub: who.sub,
      name: who.sub,
      acr: 'mfa',
      amr: ['pwd', 'mfa'],
      authTime: Math.floor(fx.clock.now.getTime() / 1000),
      steppedUp: true,
      usedRecoveryCode: false,
    }),
  };
  const deps = {
    engine: fx.env.engine,
    store: fx.env.store,
    providers: new Map([['okta' as const, fx.idp.provider]]),
    notifier: { send: async () => {} },
    audit: fx.env.audit,
    baseUrl: fx.server.url,
    logger: silentLogger,
  };
  const settings = {
    oidc: {},
    sessionSecret: createSecret('links-sessions-test-secret-0123456789'),
    viewer: { idp: 'okta' as const, groups: ['SecurityTeam'] },
    now: () => fx.clock.now,
  };
  return createPagesCtx(() => deps, settings, oidc);
}

function request(path: string, cookie: string, params: Record<string, string>, body = ''): RequestContext {
  const url = new URL(path, fx.server.url);
  return {
    req: {
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
    },
    res: {},
    method: body ? 'POST' : 'GET',
    url,
    params,
    remoteAddress: '127.0.0.1',
    body: async () => body,
  } as unknown as RequestContext;
}

const cookieIn = (r: RouteResponse) => (r.headers?.['set-cookie'] ?? '').split(';')[0] ?? '';

/** Opens `token` as an approval link and signs in: the approval page's session cookie. */
async function openApproval(p: PagesCtx, token: string): Promise<string> {
  const started = await startFromLink(p, request(`/approve/${token}`, '', { token }), 'approve');
  expect(started.status).toBe(303);
  const signedIn = await callback(
    p,
    request('/oidc/callback?code=c&state=st', cookieIn(started), {}),
    intentHandlers(p),
  );
  expect(signedIn.headers?.location).toMatch(/^\/approve\/case\//);
  return cookieIn(signedIn);
}

async function decide(p: PagesCtx, caseId: string, cookie: string): Promise<RouteResponse> {
  const session = await p.sessions().load(fx.env.store, cookie.split('=')[1] ?? null);
  const form = new URLSearchParams({
    csrf: session?.data.csrf ?? '',
    decision: 'approve',
    reason: 'in person',
  });
  return approvePost(p, request(`/approve/case/${caseId}`, cookie, { caseId }, form.toString()));
}

describe('links and sessions (issue 22, item 4)', () => {
  it('one pool approver who opens every security-team link of a dual-control case uses up only the one decided with', async () => {
    const caseId = await openCase(fx, 'carol');
    const tokens = fx.env.sent
      .filter((n) => n.to.kind === 'security')
      .flatMap((n) => n.links ?? [])
      .filter((l) => l.url.includes('/approve/'))
      .map((l) => l.url.slice(l.url.lastIndexOf('/') + 1));
    expect(tokens).toHaveLength(2);
    const live = async () =>
      (await Promise.all(tokens.map((t) => peekLink(fx.env.store, t, 'approve', fx.clock.now)))).map(
        (l) => l !== null,
      );
    const sam = pages({ sub: fx.idp.id('sam') });
    const first = await openApproval(sam, tokens[0] as string);
    const second = await openApproval(sam, tokens[1] as string);
    expect(await live()).toEqual([true, true]);
    expect((await decide(sam, caseId, first)).status).toBe(200);
    expect(await live()).toEqual([false, true]);
    // Sam cannot decide again with the other link, and trying does not use it up.
    expect((await decide(sam, caseId, second)).status).toBe(403);
    expect(await live()).toEqual([false, true]);
    const sara = pages({ sub: fx.idp.id('sara') });
    expect((await decide(sara, caseId, await openApproval(sara, tokens[1] as string))).status).toBe(200);
    const approvals = (await fx.env.engine.getCase(caseId))?.approvals ?? [];
    expect(approvals.map((a) => a.personId).sort()).toEqual([fx.idp.id('sam'), fx.idp.id('sara')].sort());
    expect(await live()).toEqual([false, false]);
  });

  it('a link opened before sign-in is kept only as a hash in the session', async () => {
    const caseId = await openCase(fx);
    const link = await fx.env.engine.createLink(caseId, fx.idp.id('alice'), 'verify', 600);
    const p = pages({ sub: fx.idp.id('alice') });
    const started = await startFromLink(
      p,
      request(`/verify/${link.token}`, '', { token: link.token }),
      'verify',
    );
    expect(started.status).toBe(303);
    const rows = await fx.env.store.query<{ data: string }>('SELECT data FROM page_sessions');
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(link.token);
    // The hashed link still completes the sign-in, once.
    const done = await callback(
      p,
      request('/oidc/callback?code=c&state=st', cookieIn(started), {}),
      intentHandlers(p),
    );
    expect(done.headers?.location).toBe(`/verify/case/${caseId}`);
    expect(await peekLink(fx.env.store, link.token, 'verify', fx.clock.now)).toBeNull();
  });

  it('unauthenticated GETs create no session rows; expired sessions are deleted', async () => {
    const count = async () =>
      Number((await fx.env.store.query('SELECT count(*) AS n FROM page_sessions'))[0]?.n);
    await get(fx, '/verify/case/x'); // runs the pages' migrations
    for (const path of [
      '/oidc/callback?code=a&state=b',
      '/verify/continue',
      '/verify/not-a-real-token-0000000',
      '/cancel',
    ]) {
      expect((await get(fx, path)).status).toBeGreaterThanOrEqual(400);
    }
    expect(await count()).toBe(0);
    const caseId = await openCase(fx);
    const link = await fx.env.engine.createLink(caseId, fx.idp.id('alice'), 'cancel', 3600);
    expect(cookieOf(await get(fx, `/cancel/${link.token}`))).not.toBe('');
    expect(await count()).toBe(1);
    fx.clock.now = new Date(fx.clock.now.getTime() + 31 * 60_000);
    const again = await fx.env.engine.createLink(caseId, fx.idp.id('alice'), 'cancel', 3600);
    await get(fx, `/cancel/${again.token}`);
    expect(await count()).toBe(1);
  });
});
