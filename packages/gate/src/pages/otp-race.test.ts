import { createSecret } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import type { CaseView } from '../orchestrator/index.js';
import { BACKENDS } from '../testing/stores.js';
import { OTP_MAX_SUBJECT_SENDS, sendOtp } from './otp.js';
import { csrfIn, get, openCase, post, sessionCookie, usePagesFixture } from './pages.test-helper.js';

/** Issue 22, item 2: the phone-code limits hold against parallel requests, on both stores. */
describe.each(BACKENDS)(
  'phone code limits under parallel requests on %s',
  { timeout: 120_000 },
  (backend) => {
    const fx = usePagesFixture({ backend });

    async function verifyingAs(caseId: string): Promise<{ cookie: string; csrf: string }> {
      const cookie = await sessionCookie(fx, {
        sub: fx.idp.id('alice'),
        name: 'alice',
        caseId,
        purpose: 'verify',
      });
      const csrf = csrfIn(await (await get(fx, `/verify/case/${caseId}`, cookie)).text());
      return { cookie, csrf };
    }

    const codesSent = () => fx.env.sent.filter((n) => n.subject === 'Your verification code');
    const lastCode = () => /\b(\d{6})\b/.exec(codesSent().at(-1)?.text ?? '')?.[1] as string;

    it('40 wrong codes at once use up the code: the right one afterwards is refused', async () => {
      const caseId = await openCase(fx);
      const { cookie, csrf } = await verifyingAs(caseId);
      await post(fx, `/verify/case/${caseId}/otp/send`, { csrf, channel: 'phone:mobile' }, cookie);
      const code = lastCode();
      const wrong = code === '000000' ? '111111' : '000000';
      const check = (value: string) =>
        post(fx, `/verify/case/${caseId}/otp/check`, { csrf, code: value }, cookie);
      const answers = await Promise.all(Array.from({ length: 40 }, () => check(wrong)));
      expect(answers.every((r) => r.status === 303)).toBe(true);
      await check(code);
      expect((await fx.env.engine.getCase(caseId))?.evidence).toEqual([]);
      const [row] = await fx.env.store.query<{ attempts: number }>('SELECT attempts FROM page_otp_codes');
      expect(row?.attempts).toBe(5);
    });

    it('the right code sent five times at once is recorded once', async () => {
      const caseId = await openCase(fx);
      const { cookie, csrf } = await verifyingAs(caseId);
      await post(fx, `/verify/case/${caseId}/otp/send`, { csrf, channel: 'phone:mobile' }, cookie);
      const code = lastCode();
      await Promise.all(
        Array.from({ length: 5 }, () => post(fx, `/verify/case/${caseId}/otp/check`, { csrf, code }, cookie)),
      );
      const evidence = (await fx.env.engine.getCase(caseId))?.evidence ?? [];
      expect(evidence.map((e) => [e.kind, e.channelId])).toEqual([['phone_otp', 'phone:mobile']]);
    });

    it('15 sends at once from three sessions send three codes for the case', async () => {
      const caseId = await openCase(fx);
      const sessions = await Promise.all([verifyingAs(caseId), verifyingAs(caseId), verifyingAs(caseId)]);
      // Two of the three already used, as in the pen test.
      const [first] = sessions;
      for (let i = 0; i < 2; i += 1) {
        await post(
          fx,
          `/verify/case/${caseId}/otp/send`,
          { csrf: first?.csrf ?? '', channel: 'phone:mobile' },
          first?.cookie,
        );
      }
      await Promise.all(
        Array.from({ length: 15 }, (_, i) => {
          const s = sessions[i % 3] as { cookie: string; csrf: string };
          return post(
            fx,
            `/verify/case/${caseId}/otp/send`,
            { csrf: s.csrf, channel: 'phone:mobile' },
            s.cookie,
          );
        }),
      );
      expect(codesSent()).toHaveLength(3);
    });

    it('a subject gets at most the daily number of codes across cases, even at once', async () => {
      const key = createSecret('race-test-key');
      const alice = fx.idp.id('alice');
      const phone = {
        id: 'phone:mobile',
        kind: 'phone' as const,
        value: '+1-555-0101',
        lastChangedAt: null,
        verified: true,
        isAccountMailbox: false,
      };
      const caseOf = (id: string) => ({ id, idp: 'okta', subjectId: alice }) as CaseView;
      const session = { id: 'session-a', data: { csrf: 'x' } };
      const sends = Array.from({ length: 12 }, (_, i) =>
        sendOtp(
          fx.env.store,
          { send: async (n) => void fx.env.sent.push(n) },
          key,
          session,
          caseOf(`case-${i % 4}`),
          phone,
          fx.clock.now,
        ),
      );
      const results = await Promise.all(sends);
      expect(results.filter(Boolean)).toHaveLength(OTP_MAX_SUBJECT_SENDS);
      expect(codesSent()).toHaveLength(OTP_MAX_SUBJECT_SENDS);
      // A refused send used up nothing: the case counters add up to the subject's.
      const rows = await fx.env.store.query<{ key: string; count: number }>(
        "SELECT key, count FROM page_otp_limits WHERE key LIKE 'case:%'",
      );
      expect(rows.reduce((sum, r) => sum + Number(r.count), 0)).toBe(OTP_MAX_SUBJECT_SENDS);
      // A day later the subject may ask again.
      fx.clock.now = new Date(fx.clock.now.getTime() + 24 * 3_600_000 + 1000);
      expect(
        await sendOtp(
          fx.env.store,
          { send: async () => {} },
          key,
          session,
          caseOf('case-new'),
          phone,
          fx.clock.now,
        ),
      ).toBe(true);
    });
  },
);
