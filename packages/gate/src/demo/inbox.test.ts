import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { createRouter, type HttpServer, startHttpServer } from '../server/index.js';
import type { DemoDevices, WaitingPush } from './devices.js';
import { INBOX_PATH, mountDemoInbox, type SentMessage } from './inbox.js';
import type { DemoTenant } from './tenants.js';

/** A tenant whose devices are a recording double (the page is what is under test). */
function tenant(answers: string[], pushes: Map<string, WaitingPush[]>): DemoTenant {
  const devices: DemoDevices = {
    totp: async (id) => (id === 'id-erin' ? '123456' : undefined),
    pushes: (id) => pushes.get(id) ?? [],
    answer(id, source, answer, picked) {
      const waiting = pushes.get(id)?.find((p) => p.source === source);
      if (!waiting) return false;
      answers.push(`${id}:${source}:${answer}${picked === undefined ? '' : `:${picked}`}`);
      pushes.delete(id);
      return true;
    },
    idpMail: () => [
      { to: 'alice@example.com', subject: 'Update your account', link: 'javascript:alert(1)', at: 0 },
    ],
  };
  return {
    idp: 'okta',
    devices,
    names: new Map([['id-alice', 'alice']]),
    id: async (name: string) => `id-${name}`,
  } as unknown as DemoTenant;
}

describe('demo inbox', () => {
  let server: HttpServer;
  const answers: string[] = [];
  const pushes = new Map<string, WaitingPush[]>();
  const sent: SentMessage[] = [];

  beforeEach(async () => {
    answers.length = 0;
    pushes.clear();
    pushes.set('id-erin', [{ source: 'sign-in', number: '42', choices: null }]);
    sent.length = 0;
    const router = createRouter();
    mountDemoInbox(router, {
      tenants: [tenant(answers, pushes)],
      sent,
      owners: new Map([['+1-555-0101', 'alice']]),
      engine: { getCase: async () => null },
    });
    server = await startHttpServer({ logger: silentLogger, router, port: 0 });
  });
  afterEach(async () => {
    await server.close();
  });

  const get = async () => (await fetch(`${server.url}${INBOX_PATH}`)).text();
  const post = (fields: Record<string, string>) =>
    fetch(`${server.url}${INBOX_PATH}/push`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });

  it('shows each message with who, when, text and links, escaped; only http(s) links are links', async () => {
    sent.push({
      at: new Date('2026-12-04T05:06:07Z'),
      notification: {
        to: { kind: 'phone', address: '+1-555-0101' },
        subject: 'Your verification code <b>',
        text: 'Code 654321 <script>alert(1)</script>',
        links: [{ label: 'Verify', url: 'http://127.0.0.1:1/verify/abc?x="y"' }],
        idempotencyKey: 'k1',
      },
    });
    const html = await get();
    expect(html).toContain('05:06:07');
    expect(html).toContain('SMS to +1-555-0101 (alice)');
    expect(html).toContain('Code 654321 &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Your verification code &lt;b&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<a href="http://127.0.0.1:1/verify/abc?x=%22y%22">Verify</a>');
    // The IdP's own email with a non-http link stays inert text.
    expect(html).toContain('sent by okta itself');
    expect(html).not.toContain('href="javascript:');
    // The cast: a TOTP code, and a waiting push with its number.
    expect(html).toMatch(/id="okta-erin"[\s\S]*?<strong class="mono otp">123456<\/strong>/);
    expect(html).toMatch(/Sign-in asks, number <strong>42<\/strong>/);
    // Someone with nothing on their phone takes no row.
    expect(html).not.toContain('id="okta-alice"');
  });

  it("answers a push only with the page's CSRF token", async () => {
    const base = { idp: 'okta', person: 'erin', source: 'sign-in', answer: 'approve' };
    expect((await post(base)).status).toBe(403);
    expect((await post({ ...base, csrf: 'forged' })).status).toBe(403);
    expect(answers).toEqual([]);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await get())?.[1] ?? '';
    expect((await post({ ...base, person: 'mallory', csrf })).status).toBe(400);
    expect((await post({ ...base, answer: 'maybe', csrf })).status).toBe(400);
    expect(answers).toEqual([]);
    const ok = await post({ ...base, csrf });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`${INBOX_PATH}?answered=approve`);
    expect(answers).toEqual(['id-erin:sign-in:approve']);
    // Nothing waits any more: the page says so instead of pretending.
    expect((await post({ ...base, csrf })).headers.get('location')).toBe(`${INBOX_PATH}?answered=none`);
  });

  it('a number-matching push offers three numbers and never says which one the page shows', async () => {
    pushes.set('id-alice', [{ source: 'recovery', number: null, choices: ['17', '85', '54'] }]);
    const html = await get();
    const row = /<tr id="okta-alice">[\s\S]*?<\/tr>/.exec(html)?.[0] ?? '';
    expect(row).toContain('tap the number shown on your recovery page');
    for (const n of ['17', '85', '54']) expect(row).toContain(`name="picked" value="${n}"`);
    expect(row).not.toContain('<strong>85</strong>');
    expect(row).not.toContain('Approve for alice');
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const base = { csrf, idp: 'okta', person: 'alice', source: 'recovery', answer: 'approve' };
    expect((await post({ ...base, picked: '8<5' })).status).toBe(400);
    expect(answers).toEqual([]);
    const ok = await post({ ...base, picked: '85' });
    expect(ok.headers.get('location')).toBe(`${INBOX_PATH}?answered=picked`);
    expect(answers).toEqual(['id-alice:recovery:approve:85']);
  });
});
