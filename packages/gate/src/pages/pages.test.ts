import { isGateError } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../orchestrator/links.js';
import { conflictOf } from './approve.js';
import { peekLink } from './links.js';
import { createOidcClients } from './oidc.js';
import {
  cookieOf,
  csrfIn,
  get as getAt,
  openCase as open,
  post as postAt,
  usePagesFixture,
} from './pages.test-helper.js';

const fx = usePagesFixture();
const get = (path: string, cookie = '') => getAt(fx, path, cookie);
const post = (path: string, form: Record<string, string>, cookie = '') => postAt(fx, path, form, cookie);
const openCase = (subject = 'alice') => open(fx, subject);
/** Follows a cancel link: returns the session cookie and the confirmation page's CSRF token. */
async function openCancel(caseId: string): Promise<{ cookie: string; csrf: string; token: string }> {
  const link = await fx.env.engine.createLink(caseId, fx.idp.id('alice'), 'cancel', 600);
  const first = await get(`/cancel/${link.token}`);
  expect(first.status).toBe(303);
  expect(first.headers.get('location')).toBe('/cancel');
  const cookie = cookieOf(first);
  const page = await get('/cancel', cookie);
  expect(page.status).toBe(200);
  return { cookie, csrf: csrfIn(await page.text()), token: link.token };
}

describe('security headers', () => {
  it('pages carry a script-free CSP, no framing, no-store, and link a local stylesheet only', async () => {
    const response = await get('/verify/not-a-real-token-at-all-0000');
    expect(response.status).toBe(410);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|script-src/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('cache-control')).toContain('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    expect(html).not.toMatch(/<script|style="|https?:\/\/(?!127\.0\.0\.1)/);
    expect(html).toContain('<link rel="stylesheet" href="/assets/gate.css">');
    expect(html).toContain('<main id="main"');
    const css = await get('/assets/gate.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain(':focus-visible');
  });

  it('the session cookie is HttpOnly and SameSite=Lax; the link token leaves the URL at once', async () => {
    const caseId = await openCase();
    const link = await fx.env.engine.createLink(caseId, fx.idp.id('alice'), 'cancel', 600);
    const response = await get(`/cancel/${link.token}`);
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^rg_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
    expect(setCookie).not.toContain(link.token);
    expect(response.headers.get('location')).toBe('/cancel');
  });
});

describe('CSRF', () => {
  it('a cancel without the session token changes nothing and keeps the link usable', async () => {
    const caseId = await openCase();
    const { cookie, csrf, token } = await openCancel(caseId);
    expect(csrf.length).toBeGreaterThan(20);
    const forged = await post('/cancel', { csrf: 'x'.repeat(csrf.length) }, cookie);
    expect(forged.status).toBe(403);
    // Without the session, no token matches: the router refuses before the page runs.
    const noCookie = await post('/cancel', { csrf });
    expect(noCookie.status).toBe(403);
    expect((await fx.env.engine.getCase(caseId))?.state).toBe('verifying');
    expect(await peekLink(fx.env.store, token, 'cancel', fx.clock.now)).not.toBeNull();
  });

  it('with the token, the cancel consumes the link and cancels the case; a replay is refused', async () => {
    const caseId = await openCase();
    const { cookie, csrf, token } = await openCancel(caseId);
    const done = await post('/cancel', { csrf }, cookie);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Recovery stopped');
    expect((await fx.env.engine.getCase(caseId))?.state).toBe('cancelled');
    expect(await peekLink(fx.env.store, token, 'cancel', fx.clock.now)).toBeNull();
    expect((await post('/cancel', { csrf }, cookie)).status).toBe(410);
    expect((await get(`/cancel/${token}`)).status).toBe(410);
  });

  it('an approval post needs the CSRF token of the approver session', async () => {
    const caseId = await openCase();
    const link = await fx.env.engine.createLink(caseId, fx.idp.id('erin'), 'approve', 600);
    const session = await fx.sessions.create(fx.env.store, {
      sub: fx.idp.id('erin'),
      name: 'erin',
      caseId,
      purpose: 'approve',
      role: 'manager',
      approveLink: hashToken(link.token),
    });
    const cookie = fx.sessions.cookie(session).split(';')[0] as string;
    const page = await get(`/approve/case/${caseId}`, cookie);
    expect(page.status).toBe(200);
    const form = { decision: 'approve', reason: 'video call' };
    expect((await post(`/approve/case/${caseId}`, { ...form, csrf: 'forged' }, cookie)).status).toBe(403);
    expect((await fx.env.engine.getCase(caseId))?.approvals).toHaveLength(0);
    const ok = await post(`/approve/case/${caseId}`, { ...form, csrf: csrfIn(await page.text()) }, cookie);
    expect(ok.status).toBe(200);
    expect((await fx.env.engine.getCase(caseId))?.approvals.map((a) => a.personId)).toEqual([
      fx.idp.id('erin'),
    ]);
    // The decision spent the link it was made with.
    expect(await peekLink(fx.env.store, link.token, 'approve', fx.clock.now)).toBeNull();
  });

  it('separation of duties holds on the server from the signed-in subject, whatever the link said', async () => {
    const caseId = await openCase();
    const session = await fx.sessions.create(fx.env.store, {
      sub: fx.idp.id('frank'),
      name: 'frank',
      caseId,
      purpose: 'approve',
      role: 'second_agent',
    });
    const cookie = fx.sessions.cookie(session).split(';')[0] as string;
    const csrf = csrfIn(await (await get(`/approve/case/${caseId}`, cookie)).text());
    const response = await post(
      `/approve/case/${caseId}`,
      { csrf, decision: 'approve', reason: 'looks fine' },
      cookie,
    );
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('You cannot decide on this recovery');
    expect((await fx.env.engine.getCase(caseId))?.approvals).toHaveLength(0);
  });
});

describe('sessions', () => {
  it('refuses a tampered cookie, an expired session and the old id after rotation', async () => {
    const session = await fx.sessions.create(fx.env.store, { sub: 'u-x' });
    const value = (fx.sessions.cookie(session).split(';')[0] as string).split('=')[1] as string;
    expect((await fx.sessions.load(fx.env.store, value))?.data.sub).toBe('u-x');
    expect(await fx.sessions.load(fx.env.store, `${value.slice(0, -2)}AA`)).toBeNull();
    expect(await fx.sessions.load(fx.env.store, `${session.id}.forged`)).toBeNull();
    const rotated = await fx.sessions.rotate(fx.env.store, session);
    expect(await fx.sessions.load(fx.env.store, value)).toBeNull();
    expect(rotated.data.csrf).not.toBe(session.data.csrf);
    const next = (fx.sessions.cookie(rotated).split(';')[0] as string).split('=')[1] as string;
    fx.clock.now = new Date(fx.clock.now.getTime() + 1801_000);
    expect(await fx.sessions.load(fx.env.store, next)).toBeNull();
  });
});

describe('link binding', () => {
  it('a link is live only for its purpose, until used or expired', async () => {
    const caseId = await openCase();
    const link = await fx.env.engine.createLink(caseId, fx.idp.id('alice'), 'verify', 60);
    expect((await peekLink(fx.env.store, link.token, 'verify', fx.clock.now))?.caseId).toBe(caseId);
    expect(await peekLink(fx.env.store, link.token, 'approve', fx.clock.now)).toBeNull();
    expect(
      await peekLink(fx.env.store, link.token, 'verify', new Date(fx.clock.now.getTime() + 61_000)),
    ).toBeNull();
    await expect(fx.env.engine.consumeLink(link.token, 'verify', fx.idp.id('bob'))).rejects.toMatchObject({
      code: 'ERR_LINK_INVALID',
    });
    expect(await peekLink(fx.env.store, link.token, 'verify', fx.clock.now)).not.toBeNull();
    await fx.env.engine.consumeLink(link.token, 'verify', fx.idp.id('alice'));
    expect(await peekLink(fx.env.store, link.token, 'verify', fx.clock.now)).toBeNull();
  });

  it('refuses a dead link before any sign-in, and pages bound to another case', async () => {
    const caseId = await openCase();
    const link = await fx.env.engine.createLink(caseId, fx.idp.id('alice'), 'verify', 60);
    fx.clock.now = new Date(fx.clock.now.getTime() + 61_000);
    expect((await get(`/verify/${link.token}`)).status).toBe(410);
    const other = await fx.sessions.create(fx.env.store, {
      sub: fx.idp.id('alice'),
      caseId: 'another-case',
      purpose: 'verify',
    });
    const cookie = fx.sessions.cookie(other).split(';')[0] as string;
    expect((await get(`/verify/case/${caseId}`, cookie)).status).toBe(403);
    expect((await get(`/approve/case/${caseId}`, cookie)).status).toBe(403);
  });

  it('the requester and the subject are refused as approvers before a link is used up', async () => {
    const caseId = await openCase();
    const c = await fx.env.engine.getCase(caseId);
    if (!c) throw new Error('no case');
    expect(conflictOf(c, c.requesterId ?? '')).toMatch(/asked for this recovery/);
    expect(conflictOf(c, c.subjectId)).toMatch(/your own account/);
    expect(conflictOf(c, fx.idp.id('gina'))).toBeNull();
  });

  it('an unreachable IdP leaves the link usable; continuing without step-up needs a pending verify link', async () => {
    const caseId = await openCase();
    const link = await fx.env.engine.createLink(caseId, fx.idp.id('alice'), 'verify', 600);
    const response = await get(`/verify/${link.token}`);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('Your link still works');
    expect(await peekLink(fx.env.store, link.token, 'verify', fx.clock.now)).not.toBeNull();
    expect((await get('/verify/continue')).status).toBe(410);
    expect((await get('/verify/continue', cookieOf(response))).status).toBe(503);
  });

  it('a callback without a sign-in in flight is refused', async () => {
    const response = await get('/oidc/callback?code=abc&state=def');
    expect(response.status).toBe(400);
  });
});

describe('OIDC settings', () => {
  it('refuses a plain-http issuer that is not loopback', async () => {
    const clients = createOidcClients({
      okta: { issuer: 'http://idp.example.com/oauth2/default', clientId: 'c', stepUp: {}, stepUpAcrs: [] },
    });
    const error = await clients.start('okta', 'http://127.0.0.1/cb', 'stepup').catch((e: unknown) => e);
    expect(isGateError(error) && error.code).toBe('ERR_CONFIG_INVALID');
  });
});
