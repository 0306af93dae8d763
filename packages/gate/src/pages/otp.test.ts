import { describe, expect, it } from 'vitest';
import { csrfIn, get, openCase, post, sessionCookie, usePagesFixture } from './pages.test-helper.js';

const fx = usePagesFixture();

describe('phone code', () => {
  it('sends at most three codes, refuses a wrong one, and records the right one against the phone', async () => {
    const caseId = await openCase(fx);
    const alice = fx.idp.id('alice');
    const cookie = await sessionCookie(fx, { sub: alice, name: 'alice', caseId, purpose: 'verify' });
    const page = await get(fx, `/verify/case/${caseId}`, cookie);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('+****0101');
    const csrf = csrfIn(html);
    for (let i = 0; i < 4; i += 1) {
      const sent = await post(
        fx,
        `/verify/case/${caseId}/otp/send`,
        { csrf, channel: 'phone:mobile' },
        cookie,
      );
      expect(sent.status).toBe(303);
    }
    const codes = fx.env.sent.filter((n) => n.subject === 'Your verification code');
    expect(codes).toHaveLength(3);
    expect(codes.every((n) => n.to.kind === 'phone' && n.to.address === '+1-555-0101')).toBe(true);
    const code = /\b(\d{6})\b/.exec(codes.at(-1)?.text ?? '')?.[1] as string;
    const wrong = code === '000000' ? '111111' : '000000';
    await post(fx, `/verify/case/${caseId}/otp/check`, { csrf, code: wrong }, cookie);
    expect((await fx.env.engine.getCase(caseId))?.evidence).toHaveLength(0);
    await post(fx, `/verify/case/${caseId}/otp/check`, { csrf, code }, cookie);
    const evidence = (await fx.env.engine.getCase(caseId))?.evidence ?? [];
    expect(evidence.map((e) => [e.kind, e.channelId, e.personId])).toEqual([
      ['phone_otp', 'phone:mobile', alice],
    ]);
    await post(fx, `/verify/case/${caseId}/otp/check`, { csrf, code }, cookie);
    expect((await fx.env.engine.getCase(caseId))?.evidence).toHaveLength(1);
  });

  it('a code is bound to the case and the session that asked for it', async () => {
    const caseId = await openCase(fx);
    const alice = fx.idp.id('alice');
    const cookie = await sessionCookie(fx, { sub: alice, name: 'alice', caseId, purpose: 'verify' });
    const csrf = csrfIn(await (await get(fx, `/verify/case/${caseId}`, cookie)).text());
    await post(fx, `/verify/case/${caseId}/otp/send`, { csrf, channel: 'phone:mobile' }, cookie);
    const code = /\b(\d{6})\b/.exec(fx.env.sent.at(-1)?.text ?? '')?.[1] as string;
    const other = await sessionCookie(fx, { sub: alice, name: 'alice', caseId, purpose: 'verify' });
    const otherCsrf = csrfIn(await (await get(fx, `/verify/case/${caseId}`, other)).text());
    await post(fx, `/verify/case/${caseId}/otp/check`, { csrf: otherCsrf, code }, other);
    expect((await fx.env.engine.getCase(caseId))?.evidence).toHaveLength(0);
    fx.clock.now = new Date(fx.clock.now.getTime() + 11 * 60_000);
    await post(fx, `/verify/case/${caseId}/otp/check`, { csrf, code }, cookie);
    expect((await fx.env.engine.getCase(caseId))?.evidence).toHaveLength(0);
  });
});
