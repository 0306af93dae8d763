/**
 * Every page rendered with hostile strings in every field: display names and logins from the IdP, reasons,
 * ids, labels, channel values, groups, flash messages, path and query parameters. The GET routes are read
 * from the router, so a new page without a scenario here fails the test until one is added.
 */
import { baselinePolicy, createSecret, type RecoveryProvider, type SubjectFacts } from '@recovery-gate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { createFakeIdp } from '../orchestrator/fake-idp.test-helper.js';
import type { CaseView } from '../orchestrator/index.js';
import { type Env, event, startEnv } from '../orchestrator/setup.test-helper.js';
import { listReviews, sweepReviews } from '../reviews/index.js';
import { type HttpServer, startHttpServer } from '../server/http.js';
import { createRouter } from '../server/router.js';
import type { PagesEngine } from './context.js';
import { mountPages } from './index.js';
import { createSessions, type SessionData } from './session.js';

/** Ends any attribute, opens a tag with an attribute; unescaped anywhere, `<rg-xss` shows in the page. */
const HOSTILE = `"'></textarea><rg-xss data-x="1">&amp;`;
const RAW = '<rg-xss';
const ESCAPED = '&lt;rg-xss';

/** Keys whose values drive page logic (states, kinds, dates): kept in the `text` pass, hostile in `all`. */
const LOGIC_KEYS = new Set([
  'state',
  'action',
  'kind',
  'outcome',
  'decision',
  'role',
  'status',
  'step',
  'evidenceKinds',
  'createdAt',
  'updatedAt',
  'at',
  'notBefore',
  'lastChangedAt',
  'enrolledAt',
  'expiresAt',
  'completedAt',
  'nextAttemptAt',
  'idp',
]);

type Mode = 'text' | 'all';

function hostile<T>(value: T, mode: Mode, key = ''): T {
  if (mode === 'text' && LOGIC_KEYS.has(key)) return value;
  if (typeof value === 'string') return `${value}${HOSTILE}` as T;
  if (Array.isArray(value)) return value.map((v) => hostile(v, mode, key)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hostile(v, mode, k)])) as T;
  }
  return value;
}

/** A case with every kind of row the pages show, each with a hostile twin of its free text. */
function richCase(c: CaseView, mode: Mode): CaseView {
  const at = c.createdAt;
  const base: CaseView = {
    ...c,
    reason: 'asked at the desk',
    requesterId: 'u-frank',
    evidence: [
      {
        kind: 'phone_otp',
        personId: c.subjectId,
        channelId: 'phone:mobile',
        outcome: 'passed',
        at,
        data: {},
      },
      { kind: 'odd_kind', personId: null, channelId: null, outcome: 'failed', at, data: {} },
    ],
    approvals: [{ personId: 'u-erin', role: 'manager', decision: 'approve', reason: 'video call', at }],
    journal: [
      {
        step: 'deliver',
        state: 'done',
        attempts: 1,
        result: { deliveredTo: 'email:primary' },
        error: 'boom',
        updatedAt: at,
      },
      {
        step: 'revoke',
        state: 'done',
        attempts: 1,
        result: { revoked: ['sessions'], caveats: ['applied within a few minutes'] },
        error: null,
        updatedAt: at,
      },
    ],
    facts:
      c.facts &&
      ({
        ...c.facts,
        adminRoleGrants: [
          { role: 'Helpdesk Administrator', via: 'Group X', scope: 'tenant', state: 'active' },
        ],
        unreadable: [
          { fact: 'groups', endpoint: '/groups', reason: 'forbidden', permission: 'Group.Read.All' },
        ],
        authenticators: [
          ...(c.facts.authenticators ?? []),
          {
            id: 'new',
            kind: 'totp',
            label: 'new phone',
            enrolledAt: at,
            status: 'active',
            supportsDeviceChallenge: false,
          },
        ],
      } as SubjectFacts),
  };
  return hostile(base, mode);
}

interface Scenario {
  readonly path: (c: CaseView) => string;
  readonly session?: (c: CaseView) => Partial<SessionData>;
  /** Whether the page shows case or IdP data (then the escaped marker must be in it, in the `text` pass). */
  readonly shows: boolean;
}

const subject = (c: CaseView, extra: Partial<SessionData> = {}): Partial<SessionData> => ({
  sub: c.subjectId,
  idp: 'okta',
  name: `Alice${HOSTILE}`,
  caseId: c.id,
  purpose: 'verify',
  flash: `Sent${HOSTILE}`,
  ...extra,
});
const VIEWER: Partial<SessionData> = { sub: 'u-sam', idp: 'okta', viewer: true, name: `Sam${HOSTILE}` };
/** The review the store holds for a hostile incident (the console reads reviews and cases from the store). */
let reviewId = '';
const caseUrl = (prefix: string, c: CaseView, suffix = '') => `${prefix}${encodeURIComponent(c.id)}${suffix}`;

/** One scenario per GET route of the pages, keyed by the route's pattern. */
const SCENARIOS: Readonly<Record<string, Scenario>> = {
  '/assets/gate.css': { path: () => '/assets/gate.css', shows: false },
  '/oidc/callback': {
    path: () => `/oidc/callback?state=${encodeURIComponent(HOSTILE)}&error=${encodeURIComponent(HOSTILE)}`,
    shows: false,
  },
  '/verify/:token': { path: () => `/verify/${encodeURIComponent(HOSTILE)}`, shows: false },
  '/reveal/:token': { path: () => `/reveal/${encodeURIComponent(HOSTILE)}`, shows: false },
  '/approve/:token': { path: () => `/approve/${encodeURIComponent(HOSTILE)}`, shows: false },
  '/cancel/:token': { path: () => `/cancel/${encodeURIComponent(HOSTILE)}`, shows: false },
  '/verify/continue': {
    path: () => '/verify/continue',
    session: (c) => ({ pendingLink: { tokenHash: HOSTILE, purpose: 'verify', caseId: c.id } }),
    shows: false,
  },
  '/prove': {
    path: () => '/prove',
    session: (c) => ({
      flash: `Sent${HOSTILE}`,
      pendingLink: { tokenHash: HOSTILE, purpose: 'reveal', caseId: c.id },
    }),
    shows: true,
  },
  '/verify/case/:caseId': {
    path: (c) => caseUrl('/verify/case/', c),
    session: (c) => subject(c),
    shows: true,
  },
  '/verify/case/:caseId/step-up': {
    path: (c) => caseUrl('/verify/case/', c, '/step-up'),
    session: (c) => subject(c),
    shows: false,
  },
  '/verify/case/:caseId/collect': {
    path: (c) => caseUrl('/verify/case/', c, '/collect'),
    session: (c) => subject(c),
    shows: false,
  },
  '/verify/case/:caseId/idv/continue': {
    path: (c) => caseUrl('/verify/case/', c, '/idv/continue'),
    session: (c) => subject(c),
    shows: false,
  },
  '/verify/idv/return': {
    path: () => `/verify/idv/return?state=${encodeURIComponent(HOSTILE)}&code=${encodeURIComponent(HOSTILE)}`,
    session: (c) => subject(c),
    shows: false,
  },
  '/verify/case/:caseId/credential': {
    path: (c) => caseUrl('/verify/case/', c, '/credential'),
    session: (c) => subject(c, { purpose: 'reveal', reveal: c.id }),
    shows: true,
  },
  '/approve/case/:caseId': {
    path: (c) => caseUrl('/approve/case/', c),
    session: (c) => ({
      sub: `u-sam${HOSTILE}`,
      name: `Sam${HOSTILE}`,
      caseId: c.id,
      purpose: 'approve',
      role: 'security_team',
    }),
    shows: true,
  },
  '/cancel': {
    path: () => '/cancel',
    session: (c) => ({ pendingLink: { tokenHash: HOSTILE, purpose: 'cancel', caseId: c.id } }),
    shows: true,
  },
  '/raise': {
    path: () => `/raise?idp=${encodeURIComponent(HOSTILE)}`,
    session: () => ({
      sub: 'u-frank',
      idp: 'okta',
      agent: true,
      name: `Frank${HOSTILE}`,
      flash: `Raised${HOSTILE}`,
    }),
    shows: true,
  },
  '/recovery-codes': {
    path: () => `/recovery-codes?idp=${encodeURIComponent(HOSTILE)}`,
    session: (c) => ({
      sub: c.subjectId,
      idp: 'okta',
      name: `Alice${HOSTILE}`,
      flash: `Voided${HOSTILE}`,
      codesUntil: Number.MAX_SAFE_INTEGER,
    }),
    shows: true,
  },
  '/cases': {
    path: () => '/cases',
    session: () => ({ sub: 'u-sam', idp: 'okta', viewer: true, name: `Sam${HOSTILE}` }),
    shows: true,
  },
  '/cases/:id': {
    path: (c) => caseUrl('/cases/', c),
    session: () => ({ sub: 'u-sam', idp: 'okta', viewer: true }),
    shows: true,
  },
  '/cases.csv': { path: () => '/cases.csv', session: () => VIEWER, shows: false },
  '/console': { path: () => '/console', session: () => VIEWER, shows: true },
  '/console/charts': {
    path: () => `/console/charts?tier=${encodeURIComponent(HOSTILE)}`,
    session: () => VIEWER,
    shows: true,
  },
  '/console/charts.csv': { path: () => '/console/charts.csv', session: () => VIEWER, shows: false },
  '/reviews': { path: () => '/reviews', session: () => VIEWER, shows: true },
  '/reviews/:id': {
    path: () => `/reviews/${encodeURIComponent(reviewId)}`,
    session: () => VIEWER,
    shows: true,
  },
};

const SECRET = createSecret('hostile-test-session-secret-0123456789abcdef');

describe('every page with hostile strings in every field', () => {
  const clock = { now: new Date('2026-06-01T10:00:00Z') };
  let env: Env;
  let server: HttpServer;
  let view: CaseView;
  const router = createRouter();
  const sessions = createSessions({ secret: SECRET, now: () => clock.now, https: false });

  beforeAll(async () => {
    const idp = createFakeIdp('okta', () => clock.now);
    // The IdP answers with hostile display names, logins, groups and labels.
    const provider: RecoveryProvider = {
      ...idp.provider,
      readSubjectFacts: async (id) => hostile(await idp.provider.readSubjectFacts(id), 'text'),
    };
    env = await startEnv(new Map([['okta', provider]]), clock);
    await env.engine.handleEvent(
      event('okta', { action: 'password_reset', subject: { userId: idp.id('alice'), login: null } }),
    );
    const [opened] = await env.engine.listCases({ subjectId: idp.id('alice') });
    const real = opened && (await env.engine.getCase(opened.id));
    if (!real) throw new Error('no case');
    view = real;
    // The console's queue, lists and review pages read the store: an incident with hostile text, reviewed.
    await env.store.query(
      `INSERT INTO cases (id, kind, idp, subject_id, subject_login, action, requester_id, state, reason, created_at, updated_at)
       VALUES ('hostile-incident', 'incident', 'okta', $1, $2, 'password_reset', $3, 'executing', $4, $5, $5)`,
      [
        `u-x${HOSTILE}`,
        `login${HOSTILE}`,
        `u-agent${HOSTILE}`,
        `bypass:native${HOSTILE}`,
        clock.now.toISOString(),
      ],
    );
    const reviewDeps = {
      store: env.store,
      audit: env.audit,
      notifier: { send: async () => undefined },
      now: () => clock.now,
    };
    await sweepReviews(
      reviewDeps,
      { reviewerGroups: [`SecurityTeam${HOSTILE}`], dueSeconds: 60, remindSeconds: 60 },
      baselinePolicy,
    );
    reviewId = (await listReviews(env.store, {}, clock.now))[0]?.id ?? '';
    // The engine answers with the hostile view of the case (the pages are under test, not the engine).
    const engine: PagesEngine = {
      ...env.engine,
      getCase: async (id) => (id === view.id ? view : null),
      listCases: async () => [view],
      pendingChallenge: async () => ({ numberToMatch: 42, expiresAt: clock.now.toISOString() }),
      claimCredential: async (caseId) => ({
        caseId,
        kind: `temporary_password${HOSTILE}`,
        secret: createSecret(`Temp${HOSTILE}`),
        expiresAt: clock.now.toISOString(),
        credentialId: `id${HOSTILE}`,
      }),
      confirmDelivery: async () => false,
    };
    server = await startHttpServer({ logger: silentLogger, router });
    mountPages(
      router,
      () => ({
        engine,
        store: env.store,
        providers: new Map([['okta', provider]]),
        notifier: { send: async () => undefined },
        audit: env.audit,
        baseUrl: server.url,
        logger: silentLogger,
      }),
      {
        oidc: {
          okta: {
            issuer: 'http://127.0.0.1:9/oauth2/default',
            clientId: 'pages',
            stepUp: {},
            stepUpAcrs: ['mfa'],
          },
        },
        sessionSecret: SECRET,
        viewer: { idp: 'okta', groups: ['SecurityTeam'] },
        recoveryCodes: {
          count: 4,
          length: 16,
          afterRecovery: true,
          attemptsPerCase: 5,
          attemptsPerSubject: 10,
          subjectWindowMs: 3_600_000,
          hashCost: { log2N: 10, r: 8, p: 1 },
        },
        gateName: `Gate${HOSTILE}`,
        now: () => clock.now,
      },
    );
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await env?.close();
  });

  it('has a scenario for every GET route the router serves', () => {
    const pages = router.routes().filter((r) => r.method === 'GET');
    expect(pages.length).toBeGreaterThan(10);
    const missing = pages.filter((r) => SCENARIOS[r.pattern] === undefined).map((r) => `GET ${r.pattern}`);
    expect(missing, 'add a hostile-render scenario for these routes').toEqual([]);
  });

  for (const mode of ['text', 'all'] as const) {
    it(`renders no markup from data (${mode === 'text' ? 'free text hostile' : 'every string hostile, states and dates too'})`, async () => {
      const base = view;
      view = richCase(base, mode);
      try {
        const shown: string[] = [];
        for (const route of router.routes().filter((r) => r.method === 'GET')) {
          const scenario = SCENARIOS[route.pattern] as Scenario;
          const data = scenario.session?.(view);
          const cookie =
            data === undefined ? '' : sessions.cookie(await sessions.create(env.store, data)).split(';')[0];
          const response = await fetch(`${server.url}${scenario.path(view)}`, {
            redirect: 'manual',
            headers: cookie ? { cookie } : {},
          });
          const body = await response.text();
          // 503 is a sign-in that cannot reach the (absent) IdP; a 500 would be a page that broke on the data.
          expect(response.status, route.pattern).not.toBe(500);
          // A CSV download is text for a spreadsheet, not markup (text/csv, attachment, nosniff, sandboxed).
          if ((response.headers.get('content-type') ?? '').startsWith('text/csv'))
            expect(response.headers.get('content-disposition'), route.pattern).toContain('attachment');
          else expect(body, `GET ${route.pattern} put hostile text into markup`).not.toContain(RAW);
          if (body.includes(ESCAPED)) shown.push(route.pattern);
        }
        // The scenarios do reach the data: each page that shows it carries the escaped form.
        if (mode === 'text') {
          const expected = Object.entries(SCENARIOS)
            .filter(([, s]) => s.shows)
            .map(([p]) => p);
          expect(shown).toEqual(expect.arrayContaining(expected));
        }
      } finally {
        view = base;
      }
    });
  }

  it('the case view shows what a revocation did not do yet (its caveats) beside the step', async () => {
    const cookie = sessions
      .cookie(await sessions.create(env.store, { sub: 'u-sam', idp: 'okta', viewer: true }))
      .split(';')[0];
    const later = 'Entra applies revokeSignInSessions within a few minutes, not instantly.';
    const base = view;
    view = {
      ...view,
      journal: [
        {
          step: 'revoke',
          state: 'done',
          attempts: 1,
          result: { revoked: ['sessions', 'refresh_tokens'], caveats: [later] },
          error: null,
          updatedAt: view.createdAt,
        },
      ],
    };
    try {
      const response = await fetch(`${server.url}${caseUrl('/cases/', view)}`, {
        headers: { cookie: cookie ?? '' },
      });
      const body = await response.text();
      expect(response.status).toBe(200);
      expect(body).toMatch(/<span class="mono">revoke<\/span>.*within a few minutes, not instantly\./s);
    } finally {
      view = base;
    }
  });
});
