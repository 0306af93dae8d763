import { describe, expect, it } from 'vitest';
import { event } from '../orchestrator/setup.test-helper.js';
import { cookieOf, csrfIn, get, post, usePagesFixture } from './pages.test-helper.js';

const fx = usePagesFixture();

/** A password reset for alice, proven by her push and executed: her password is now unusable. */
async function resetCase(): Promise<string> {
  const alice = fx.idp.id('alice');
  await fx.env.engine.handleEvent(
    event('okta', { subject: { userId: alice, login: null }, action: 'password_reset' }),
  );
  const [c] = await fx.env.engine.listCases({ subjectId: alice });
  if (!c) throw new Error('no case');
  fx.idp.answerChallenge(alice, 'approved');
  await fx.env.engine.pollChallenges();
  await fx.env.engine.tick();
  expect((await fx.env.engine.getCase(c.id))?.state).toBe('executing');
  return c.id;
}

/** Opens a reveal link: returns the session cookie and the proof page's HTML. */
async function openReveal(caseId: string): Promise<{ cookie: string; html: string }> {
  const link = await fx.env.engine.createLink(caseId, fx.idp.id('alice'), 'reveal', 600);
  const first = await get(fx, `/reveal/${link.token}`);
  // Not to the IdP: the password the sign-in would ask for was just reset.
  expect(first.status).toBe(303);
  expect(first.headers.get('location')).toBe('/prove');
  const cookie = cookieOf(first);
  const page = await get(fx, '/prove', cookie);
  expect(page.status).toBe(200);
  return { cookie, html: await page.text() };
}

function lastCode(): string {
  const text = fx.env.sent.filter((n) => n.sensitive).at(-1)?.text ?? '';
  return /code is (\d{6})/.exec(text)?.[1] ?? '';
}

describe('collecting after a password reset without an IdP sign-in', () => {
  it('a code to the trusted phone on file binds the session; the credential is shown once and is live', async () => {
    const caseId = await resetCase();
    const { cookie, html } = await openReveal(caseId);
    // The link alone shows nothing.
    expect((await get(fx, `/verify/case/${caseId}/credential`, cookie)).status).toBe(403);
    const channel = /name="channel" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const sent = await post(fx, '/prove/otp/send', { csrf: csrfIn(html), channel }, cookie);
    expect(sent.headers.get('location')).toBe('/prove');
    const form = await (await get(fx, '/prove', cookie)).text();
    const wrong = await post(fx, '/prove/otp/check', { csrf: csrfIn(form), code: '000000' }, cookie);
    expect(wrong.headers.get('location')).toBe('/prove');
    const right = await post(fx, '/prove/otp/check', { csrf: csrfIn(form), code: lastCode() }, cookie);
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe(`/verify/case/${caseId}/credential`);
    const bound = cookieOf(right);
    expect(bound).not.toBe(cookie);
    const shown = await (await get(fx, `/verify/case/${caseId}/credential`, bound)).text();
    const secret = /id="credential">([^<]+)</.exec(shown)?.[1];
    const live = fx.idp.liveCredentials(fx.idp.id('alice'));
    expect(live).toHaveLength(1);
    expect(secret).toBe(live[0]?.secret);
    // Delivery is confirmed once the page's answer has left; the rest of the plan runs after it.
    await expect
      .poll(async () => (await fx.env.engine.getCase(caseId))?.state, { timeout: 30_000 })
      .toBe('completed');
    // Never twice, and the old session cannot reach it.
    expect((await get(fx, `/verify/case/${caseId}/credential`, bound)).status).toBe(410);
    expect((await get(fx, `/verify/case/${caseId}/credential`, cookie)).status).toBe(403);
  });

  it('an approved push to the registered device proves possession; a refused one shows nothing', async () => {
    const caseId = await resetCase();
    const alice = fx.idp.id('alice');
    const { cookie, html } = await openReveal(caseId);
    await post(fx, '/prove/push', { csrf: csrfIn(html) }, cookie);
    fx.idp.answerChallenge(alice, 'rejected');
    const refused = await post(fx, '/prove/push/check', { csrf: csrfIn(html) }, cookie);
    expect(refused.headers.get('location')).toBe('/prove');
    expect(fx.idp.liveCredentials(alice)).toHaveLength(0);
    await post(fx, '/prove/push', { csrf: csrfIn(html) }, cookie);
    const pending = await post(fx, '/prove/push/check', { csrf: csrfIn(html) }, cookie);
    expect(pending.headers.get('location')).toBe('/prove');
    fx.idp.answerChallenge(alice, 'approved');
    const approved = await post(fx, '/prove/push/check', { csrf: csrfIn(html) }, cookie);
    expect(approved.headers.get('location')).toBe(`/verify/case/${caseId}/credential`);
    const shown = await (await get(fx, `/verify/case/${caseId}/credential`, cookieOf(approved))).text();
    expect(/id="credential">([^<]+)</.exec(shown)?.[1]).toBe(fx.idp.liveCredentials(alice)[0]?.secret);
  });

  it('refuses a proof form without the session CSRF token and changes nothing', async () => {
    const caseId = await resetCase();
    const { cookie, html } = await openReveal(caseId);
    const channel = /name="channel" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const forged = await post(fx, '/prove/otp/send', { csrf: 'forged', channel }, cookie);
    expect(forged.status).toBe(403);
    expect(fx.env.sent.some((n) => n.sensitive)).toBe(false);
  });

  it('a locked subject opens the verification link with a code to a trusted phone; the code counts as evidence', async () => {
    const alice = fx.idp.id('alice');
    fx.idp.lockOut(alice);
    await fx.env.engine.handleEvent(
      event('okta', { subject: { userId: alice, login: null }, action: 'account_unlock' }),
    );
    const [c] = await fx.env.engine.listCases({ subjectId: alice });
    if (!c) throw new Error('no case');
    const link = await fx.env.engine.createLink(c.id, alice, 'verify', 600);
    const first = await get(fx, `/verify/${link.token}`);
    // Not to the IdP, which refuses a locked account's sign-in.
    expect(first.headers.get('location')).toBe('/prove');
    const cookie = cookieOf(first);
    const html = await (await get(fx, '/prove', cookie)).text();
    const channel = /name="channel" value="([^"]+)"/.exec(html)?.[1] ?? '';
    await post(fx, '/prove/otp/send', { csrf: csrfIn(html), channel }, cookie);
    const form = await (await get(fx, '/prove', cookie)).text();
    const right = await post(fx, '/prove/otp/check', { csrf: csrfIn(form), code: lastCode() }, cookie);
    expect(right.headers.get('location')).toBe(`/verify/case/${c.id}`);
    expect((await get(fx, `/verify/case/${c.id}`, cookieOf(right))).status).toBe(200);
    const evidence = (await fx.env.engine.getCase(c.id))?.evidence ?? [];
    expect(evidence.find((e) => e.kind === 'phone_otp')).toMatchObject({
      outcome: 'passed',
      channelId: channel,
    });
  });
});
