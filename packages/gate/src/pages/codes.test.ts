import { describe, expect, it } from 'vitest';
import type { RecoveryCodesSettings } from '../codes/config.js';
import { createRecoveryCodes } from '../codes/service.js';
import { silentLogger } from '../log.js';
import { event } from '../orchestrator/setup.test-helper.js';
import { csrfIn, get, openCase, post, sessionCookie, usePagesFixture } from './pages.test-helper.js';

const SETTINGS: RecoveryCodesSettings = {
  count: 10,
  length: 16,
  afterRecovery: true,
  attemptsPerCase: 5,
  attemptsPerSubject: 10,
  subjectWindowMs: 24 * 3_600_000,
  // A low scrypt cost keeps the tests fast; the default is tested in codes/service.test.ts.
  hashCost: { log2N: 10, r: 8, p: 1 },
};
const HOSTILE = `<script>alert("x")</script>"'><img src=x onerror=alert(1)>`;

const fx = usePagesFixture({ settings: { recoveryCodes: SETTINGS } });

/** The codes a page shows, or none. */
const codesOn = (html: string): string[] =>
  [
    ...(/<ol class="codes" id="recovery-codes">(.*?)<\/ol>/s.exec(html)?.[1] ?? '').matchAll(
      /<code>([^<]+)<\/code>/g,
    ),
  ].map((m) => m[1] as string);

/** Issues alice a set outside the pages (as an earlier recovery would have). */
async function aliceCodes(): Promise<string[]> {
  const service = createRecoveryCodes(
    {
      store: fx.env.store,
      notifier: { send: async () => {} },
      audit: fx.env.audit,
      logger: silentLogger,
      now: () => fx.clock.now,
    },
    SETTINGS,
  );
  const issued = await service.issue(
    { idp: 'okta', subjectId: fx.idp.id('alice'), channels: [] },
    { actor: 'test', reason: 'request', caseId: null },
  );
  return issued.codes.map((c) => c.reveal());
}

async function liveSets(): Promise<number> {
  const rows = await fx.env.store.query('SELECT id FROM recovery_code_sets WHERE voided_at IS NULL');
  return rows.length;
}

describe('the recovery-codes page', () => {
  const steppedUp = (name = 'alice') =>
    sessionCookie(fx, {
      sub: fx.idp.id('alice'),
      idp: 'okta',
      name,
      codesUntil: fx.clock.now.getTime() + 5 * 60_000,
    });

  it('without a step-up it starts a sign-in and shows nothing', async () => {
    const response = await get(fx, '/recovery-codes?idp=okta');
    // The fixture's IdP is unreachable: the sign-in cannot start, and no codes are shown.
    expect(response.status).toBe(503);
    expect(codesOn(await response.text())).toEqual([]);
    expect(await liveSets()).toBe(0);
  });

  it('issues a set once per step-up: shown in the response only, never on reload or a replayed form', async () => {
    const cookie = await steppedUp();
    const form = await get(fx, '/recovery-codes', cookie);
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain('You have no recovery codes.');
    const issued = await post(fx, '/recovery-codes', { csrf: csrfIn(html) }, cookie);
    expect(issued.status).toBe(200);
    expect(issued.headers.get('cache-control')).toContain('no-store');
    const shown = codesOn(await issued.text());
    expect(shown).toHaveLength(10);
    for (const code of shown) expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    // Replaying the form (a reload of the POST) needs a new sign-in and issues nothing.
    const again = await post(fx, '/recovery-codes', { csrf: csrfIn(html) }, cookie);
    expect(again.status).toBe(401);
    expect(codesOn(await again.text())).toEqual([]);
    expect(codesOn(await (await get(fx, '/recovery-codes', cookie)).text())).toEqual([]);
    expect(await liveSets()).toBe(1);
    const told = fx.env.sent.filter((n) => n.subject === 'New recovery codes for your account');
    expect(told.map((n) => n.to)).toEqual([
      { kind: 'phone', address: '+1-555-0101' },
      { kind: 'email', address: 'alice@example.com' },
      { kind: 'email', address: 'alice.personal@example.net' },
    ]);
    const audit = JSON.stringify(fx.env.audit.entries);
    for (const code of shown) expect(audit).not.toContain(code.replaceAll('-', ''));
  });

  it('refuses a missing or forged CSRF token on both forms and changes nothing', async () => {
    const cookie = await steppedUp();
    for (const path of ['/recovery-codes', '/recovery-codes/void']) {
      expect((await post(fx, path, {}, cookie)).status).toBe(403);
      expect((await post(fx, path, { csrf: 'forged' }, cookie)).status).toBe(403);
    }
    expect(await liveSets()).toBe(0);
    await aliceCodes();
    expect((await post(fx, '/recovery-codes/void', { csrf: 'x'.repeat(43) }, cookie)).status).toBe(403);
    expect(await liveSets()).toBe(1);
  });

  it('voids the live set and tells the subject', async () => {
    await aliceCodes();
    const cookie = await steppedUp();
    const html = await (await get(fx, '/recovery-codes', cookie)).text();
    expect(html).toContain('10 of 10');
    const voided = await post(fx, '/recovery-codes/void', { csrf: csrfIn(html) }, cookie);
    expect(voided.status).toBe(303);
    expect(await liveSets()).toBe(0);
    expect(fx.env.sent.filter((n) => n.subject === 'Your recovery codes were voided')).toHaveLength(3);
  });

  it('escapes a hostile display name', async () => {
    const cookie = await steppedUp(HOSTILE);
    const html = await (await get(fx, '/recovery-codes', cookie)).text();
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;');
  });
});

describe('the verification page takes a saved recovery code', () => {
  async function verifying(caseId: string): Promise<{ cookie: string; csrf: string; html: string }> {
    const cookie = await sessionCookie(fx, {
      sub: fx.idp.id('alice'),
      name: 'alice',
      caseId,
      purpose: 'verify',
    });
    const html = await (await get(fx, `/verify/case/${caseId}`, cookie)).text();
    return { cookie, csrf: csrfIn(html), html };
  }
  const flashOf = async (caseId: string, cookie: string) =>
    /class="notice[^"]*"[^>]*>(.*?)<\//s.exec(
      await (await get(fx, `/verify/case/${caseId}`, cookie)).text(),
    )?.[1] ?? '';
  const evidenceOf = async (caseId: string) =>
    ((await fx.env.engine.getCase(caseId))?.evidence ?? []).map((e) => [e.kind, e.outcome]);

  it('offers no field when the subject has no codes', async () => {
    const caseId = await openCase(fx);
    const { html } = await verifying(caseId);
    expect(html).toContain('You have no unused recovery codes');
    expect(html).not.toContain('name="code" type="text" autocomplete="off"');
  });

  it('a right code counts once; its reuse and a wrong or hostile code are refused and never echoed', async () => {
    const [first] = await aliceCodes();
    const caseId = await openCase(fx);
    const { cookie, csrf, html } = await verifying(caseId);
    expect(html).toContain(`action="/verify/case/${caseId}/recovery-code"`);
    const send = (code: string) => post(fx, `/verify/case/${caseId}/recovery-code`, { csrf, code }, cookie);
    expect((await send('ZZZZ-ZZZZ-ZZZZ-ZZZZ')).status).toBe(303);
    expect(await flashOf(caseId, cookie)).toContain('not valid');
    await send(HOSTILE);
    const page = await (await get(fx, `/verify/case/${caseId}`, cookie)).text();
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('onerror=alert');
    await send(first as string);
    expect(await flashOf(caseId, cookie)).toContain('accepted');
    expect(await evidenceOf(caseId)).toEqual([['recovery_code', 'passed']]);
    // The same code on a second case of alice's is refused: it worked once.
    const other = await openCase(fx, 'alice');
    expect(other).toBe(caseId);
    await fx.env.engine.cancel(caseId, { by: fx.idp.id('alice'), reason: 'test' });
    await fx.env.engine.handleEvent(event('okta', { subject: { userId: fx.idp.id('alice'), login: null } }));
    const [next] = (await fx.env.engine.listCases({ subjectId: fx.idp.id('alice') })).filter(
      (c) => c.id !== caseId,
    );
    const v = await verifying(next?.id as string);
    await post(
      fx,
      `/verify/case/${next?.id}/recovery-code`,
      { csrf: v.csrf, code: first as string },
      v.cookie,
    );
    expect(await flashOf(next?.id as string, v.cookie)).toContain('not valid');
    expect(await evidenceOf(next?.id as string)).toEqual([]);
    expect(JSON.stringify(fx.env.audit.entries)).not.toContain(first as string);
  });

  it('refuses a missing or forged CSRF token without taking a try', async () => {
    const [first] = await aliceCodes();
    const caseId = await openCase(fx);
    const { cookie } = await verifying(caseId);
    for (const form of [{ code: first as string }, { csrf: 'forged', code: first as string }]) {
      expect((await post(fx, `/verify/case/${caseId}/recovery-code`, form, cookie)).status).toBe(403);
    }
    expect(await fx.env.store.query('SELECT key FROM recovery_code_limits')).toEqual([]);
    expect(await evidenceOf(caseId)).toEqual([]);
  });

  it('brute force: after five tries the right code is refused and the subject is told on every channel', async () => {
    const [first] = await aliceCodes();
    const caseId = await openCase(fx);
    const { cookie, csrf } = await verifying(caseId);
    const send = (code: string) => post(fx, `/verify/case/${caseId}/recovery-code`, { csrf, code }, cookie);
    for (let i = 0; i < 5; i += 1) await send(`ZZZZ-ZZZZ-ZZZZ-ZZZ${i}`);
    await send(first as string);
    expect(await flashOf(caseId, cookie)).toContain('Too many recovery codes were tried');
    expect(await evidenceOf(caseId)).toEqual([]);
    const told = fx.env.sent.filter((n) => n.subject === 'Too many recovery codes tried').map((n) => n.to);
    expect(told).toEqual([
      { kind: 'phone', address: '+1-555-0101' },
      { kind: 'email', address: 'alice@example.com' },
      { kind: 'email', address: 'alice.personal@example.net' },
    ]);
  });
});

describe('codes after a completed recovery', () => {
  it('are shown once beside the credential; a reload shows neither again', async () => {
    const alice = fx.idp.id('alice');
    await fx.env.engine.handleEvent(
      event('okta', { subject: { userId: alice, login: null }, action: 'password_reset' }),
    );
    const [found] = await fx.env.engine.listCases({ subjectId: alice });
    const c = found as NonNullable<typeof found>;
    fx.idp.answerChallenge(alice, 'approved');
    await fx.env.engine.pollChallenges();
    await fx.env.engine.tick();
    expect((await fx.env.engine.getCase(c.id as string))?.state).toBe('executing');
    const cookie = await sessionCookie(fx, {
      sub: alice,
      name: 'alice',
      caseId: c.id,
      purpose: 'reveal',
      reveal: c.id,
    });
    const shown = await (await get(fx, `/verify/case/${c.id}/credential`, cookie)).text();
    expect(shown).toContain('id="credential"');
    const codes = codesOn(shown);
    expect(codes).toHaveLength(10);
    const again = await get(fx, `/verify/case/${c.id}/credential`, cookie);
    expect(again.status).toBe(410);
    expect(codesOn(await again.text())).toEqual([]);
    const issued = fx.env.audit.entries.find((e) => e.type === 'recovery_codes.issued');
    expect(issued).toMatchObject({ caseId: c.id, actor: alice, data: { reason: 'recovery', count: 10 } });
    const audit = JSON.stringify(fx.env.audit.entries);
    for (const code of codes) expect(audit).not.toContain(code.replaceAll('-', ''));
  });
});
