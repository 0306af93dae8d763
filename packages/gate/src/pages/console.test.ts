import { describe, expect, it } from 'vitest';
import { FORMULA_LOGIN, MARKUP_LOGIN, type Seeded, seedConsole } from '../console/seed.test-helper.js';
import { getReview, listReviews } from '../reviews/index.js';
import { csrfIn, get, post, sessionCookie, usePagesFixture } from './pages.test-helper.js';

const fx = usePagesFixture({
  settings: {
    viewer: { idp: 'okta', groups: ['SecurityTeam', 'HelpDesk'] },
    reviewerGroups: ['SecurityTeam'],
  },
});

async function seed(): Promise<Seeded> {
  return seedConsole(
    {
      store: fx.env.store,
      audit: fx.env.audit,
      notifier: { send: async () => undefined },
      now: () => fx.clock.now,
    },
    (name) => fx.idp.id(name),
  );
}

/** A console session for `name` (as the viewer sign-in leaves it). */
const as = (name: string) =>
  sessionCookie(fx, {
    sub: fx.idp.id(name),
    idp: 'okta',
    name,
    viewer: true,
    acr: 'mfa',
    csrf: tokenOf(name),
  });

/** The CSRF token of `name`'s session. */
const tokenOf = (name: string) => `csrf-${name}-0123456789abcdef0123456789`;

async function privilegedReview(s: Seeded): Promise<string> {
  const [r] = await listReviews(fx.env.store, { caseId: s.privileged }, fx.clock.now);
  if (!r) throw new Error('no review');
  return r.id;
}

async function formOf(path: string, cookie: string): Promise<string> {
  const page = await get(fx, path, cookie);
  expect(page.status).toBe(200);
  return csrfIn(await page.text());
}

describe('the security console', () => {
  it('shows nothing to someone without a console session (it starts the IdP sign-in), on every console page', async () => {
    await seed();
    for (const path of ['/console', '/console/charts', '/reviews', '/cases', '/cases.csv']) {
      const r = await get(fx, path);
      // The fixture's IdP is unreachable: the sign-in cannot start (503); with an IdP it redirects (303).
      expect([303, 503], path).toContain(r.status);
      expect(await r.text(), path).not.toContain('alice@example.com');
    }
  });

  it('lists the queue: waiting cases, open reviews, incidents and failed executions, escaped', async () => {
    await seed();
    const r = await get(fx, '/console', await as('frank'));
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain('Reviews to close (3, 0 overdue)');
    expect(html).toContain('Cases waiting for a person (1)');
    expect(html).toContain('Bypass and repudiation incidents (2)');
    expect(html).toContain('Failed executions (1)');
    expect(html).not.toContain('<img src=x');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('refuses a close by a reviewer who took part in the case; the review stays open', async () => {
    const s = await seed();
    const id = await privilegedReview(s);
    const cookie = await as('sara');
    await fx.env.store.query(
      `INSERT INTO case_approvals (case_id, person_id, role, decision, at) VALUES ($1, $2, 'security_team', 'approve', $3)`,
      [s.privileged, fx.idp.id('sara'), fx.clock.now.toISOString()],
    );
    const csrf = await formOf(`/reviews/${id}`, cookie);
    const r = await post(
      fx,
      `/reviews/${id}/close`,
      { csrf, outcome: 'legitimate', note: 'looks fine' },
      cookie,
    );
    expect(r.status).toBe(409);
    expect(await r.text()).toContain('You took part in this case');
    expect((await getReview(fx.env.store, id))?.state).toBe('open');
  });

  it('refuses a close posted by a viewer without the reviewer role, and shows them no form', async () => {
    const s = await seed();
    const id = await privilegedReview(s);
    const frank = await as('frank');
    const page = await (await get(fx, `/reviews/${id}`, frank)).text();
    expect(page).not.toContain('action="/reviews/');
    expect(page).toContain('Only members of a reviewer group');
    // frank's own session token: the CSRF check passes, the role check does not.
    const token = tokenOf('frank');
    const r = await post(fx, `/reviews/${id}/close`, { csrf: token, outcome: 'misuse', note: 'x' }, frank);
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('Reviewers only');
    expect((await getReview(fx.env.store, id))?.state).toBe('open');
  });

  it('refuses a missing or forged CSRF token on every new form', async () => {
    const s = await seed();
    const id = await privilegedReview(s);
    const sam = await as('sam');
    for (const [path, form] of [
      [`/reviews/${id}/close`, { outcome: 'legitimate', note: 'fine' }],
      [`/cases/${s.privileged}/close-incident`, { reason: 'checked' }],
    ] as const) {
      const missing = await post(fx, path, form, sam);
      expect(missing.status, path).toBe(403);
      const forged = await post(fx, path, { ...form, csrf: 'forged-token-0123456789' }, sam);
      expect(forged.status, path).toBe(403);
      expect(await forged.text()).toContain('Form expired');
    }
    expect((await getReview(fx.env.store, id))?.state).toBe('open');
  });

  it('closes a review for a reviewer who took no part, with the outcome and note audited', async () => {
    const s = await seed();
    const id = await privilegedReview(s);
    const sam = await as('sam');
    const csrf = await formOf(`/reviews/${id}`, sam);
    const r = await post(
      fx,
      `/reviews/${id}/close`,
      { csrf, outcome: 'legitimate', note: 'Called carol back.' },
      sam,
    );
    expect(r.status).toBe(303);
    expect(await getReview(fx.env.store, id)).toMatchObject({
      state: 'closed',
      outcome: 'legitimate',
      closedBy: fx.idp.id('sam'),
    });
    expect(fx.env.audit.entries.find((e) => e.type === 'review.closed')).toMatchObject({
      actor: fx.idp.id('sam'),
      data: { outcome: 'legitimate', note: 'Called carol back.' },
    });
  });

  it('filters cases with injection characters as plain values, and refuses values outside the closed sets', async () => {
    await seed();
    const cookie = await as('frank');
    const count = async (qs: string) => {
      const html = await (await get(fx, `/cases?${qs}`, cookie)).text();
      return Number(/Cases \((\d+)\+?\)/.exec(html)?.[1] ?? -1);
    };
    expect(await count('')).toBe(15);
    expect(await count(`subject=${encodeURIComponent("' OR 1=1 --")}`)).toBe(0);
    expect(await count(`subject=${encodeURIComponent('%')}`)).toBe(0);
    expect(await count(`subject=${encodeURIComponent('_')}`)).toBe(0);
    expect(await count(`subject=${encodeURIComponent('<img')}`)).toBe(1);
    expect(await count(`tier=${encodeURIComponent("T2' OR '1'='1")}`)).toBe(0);
    expect(await count('tier=T2&idp=okta')).toBe(5);
    expect(await count('subject=alice')).toBe(4);
    const refused = await (
      await get(fx, `/cases?state=${encodeURIComponent("completed' OR '1'='1")}`, cookie)
    ).text();
    expect(refused).toContain('Filter refused: state: not a case state');
    expect(refused).toContain('Cases (0)');
    const echoed = await (
      await get(fx, `/cases?subject=${encodeURIComponent('"><script>alert(1)</script>')}`, cookie)
    ).text();
    expect(echoed).not.toContain('<script>alert(1)');
    expect(echoed).toContain('&quot;&gt;&lt;script&gt;');
    const dates = await count('from=2026-05-30&to=2026-05-31');
    expect(dates).toBe(5); // opened 20, 26, 30, 48 and 50 hours before 2026-06-01T10:00Z
  });

  it('exports the current view as CSV with formula cells neutralised', async () => {
    await seed();
    const cookie = await as('frank');
    const r = await get(fx, '/cases.csv?idp=entra', cookie);
    expect(r.headers.get('content-type')).toContain('text/csv');
    const csv = await r.text();
    const lines = csv.trim().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(csv).toContain(`"'${FORMULA_LOGIN.replaceAll('"', '""')}"`);
    expect(csv).not.toMatch(/(^|,)"=/m);
    const all = await (await get(fx, '/cases.csv', cookie)).text();
    expect(all).toContain(`"${MARKUP_LOGIN}"`);
  });

  it('renders the charts of the period as accessible SVG with their values, and their CSV', async () => {
    await seed();
    const cookie = await as('frank');
    const html = await (await get(fx, '/console/charts?from=2026-05-20&to=2026-06-01', cookie)).text();
    expect(html.match(/<svg class="chart" role="img"/g)).toHaveLength(5);
    expect(html).toContain('<title id="chart-outcomes-title">Cases by outcome</title>');
    // okta T2 restore times 12, 18, 45 minutes: median 18, p90 45.
    expect(html).toMatch(/okta · T2: median 18, p90 45/);
    expect(html).toMatch(/CONTRACT_EXPIRED: denied 2, cancelled 0/);
    expect(html).toMatch(/okta: detected 1, remediated 1/);
    expect(html).not.toContain('<script');
    const csv = await (await get(fx, '/console/charts.csv?from=2026-05-20&to=2026-06-01', cookie)).text();
    expect(csv).toContain('"Time to restore access","okta · T2","p90","45","minutes"');
  });
});
