import { baselinePolicy, createSecret, type IdvProvider, type RecoveryProvider } from '@recovery-gate/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  buildIdvProviders,
  createIdvService,
  IDV_RETURN_PATH,
  type IdvService,
  loadIdvModule,
} from '../idv/index.js';
import { silentLogger } from '../log.js';
import { createFakeIdp, type FakeIdp } from '../orchestrator/fake-idp.test-helper.js';
import { type Env, event, startEnv } from '../orchestrator/setup.test-helper.js';
import { type HttpServer, startHttpServer } from '../server/http.js';
import { createRouter } from '../server/router.js';
import { mountPages } from './index.js';
import { createSessions, PAGES_MIGRATIONS, type Sessions } from './session.js';

interface Emus {
  startOidcIaEmulator(
    o: Record<string, unknown>,
  ): Promise<{ issuer: string; server: { fault: string }; close(): Promise<void> }>;
  startVerifiedIdEmulator(o: Record<string, unknown>): Promise<{
    url: string;
    server: { fault: string };
    requests: Map<string, { requestId: string; state: string }>;
    deliveries: { requestStatus: string; responseStatus: number }[];
    present(requestId: string, personaId: string): Promise<void>;
    close(): Promise<void>;
  }>;
  standardPersonas(g: string, f: string, id: string): unknown[];
}
interface Kit {
  createBrowserlessAgent(stopAt: string): {
    go(
      url: string,
      init?: { form?: Record<string, string> },
    ): Promise<{ url: string; body: string; stopped: boolean }>;
  };
  formAction(page: { url: string; body: string }): string;
}
const EMULATORS = '@recovery-gate/idv/emulator';
const KIT = '@recovery-gate/emulator-kit';
const idvModule = await loadIdvModule();
const SECRET = createSecret('unit-test-session-secret-0123456789abcdef');
const PORT = 47_000 + Math.floor(Math.random() * 2000);
const BASE = `http://127.0.0.1:${PORT}`;
const SHOTS = new URL('../../../../test-artifacts/screenshots', import.meta.url).pathname;

describe.skipIf(idvModule === undefined)(
  'verification page: identity verification (skipped without @recovery-gate/idv)',
  { timeout: 120_000 },
  () => {
    let emus: Emus;
    let kit: Kit;
    let oidc: Awaited<ReturnType<Emus['startOidcIaEmulator']>>;
    let vid: Awaited<ReturnType<Emus['startVerifiedIdEmulator']>>;
    let providers: Map<string, IdvProvider>;
    let env: Env;
    let idp: FakeIdp;
    let server: HttpServer;
    let sessions: Sessions;
    let service: IdvService;
    const clock = { now: new Date() };

    beforeAll(async () => {
      emus = (await import(EMULATORS)) as Emus;
      kit = (await import(KIT)) as Kit;
      const personas = emus.standardPersonas('Alice', 'Anders', 'alice');
      oidc = await emus.startOidcIaEmulator({
        clients: [
          {
            client_id: 'gate',
            client_secret: 'emulated-secret',
            redirect_uris: [`${BASE}${IDV_RETURN_PATH}`],
          },
        ],
        personas,
        requirePar: true,
      });
      vid = await emus.startVerifiedIdEmulator({
        tenantId: 't1',
        apps: [{ clientId: 'gate-app', clientSecret: 'emulated-app-secret' }],
        authority: 'did:web:verifier.example',
        issuer: 'did:web:idv-partner.example',
        credentialType: 'VerifiedEmployee',
        personas,
      });
      const section = idvModule?.identityVerificationSchema.parse({
        providers: {
          acme: {
            kind: 'oidc_ia',
            displayName: 'Acme ID',
            issuer: oidc.issuer,
            clientId: 'gate',
            clientSecret: 'emulated-secret',
            timeoutMs: 1000,
          },
          vid: {
            kind: 'entra_verified_id',
            tenantId: 't1',
            clientId: 'gate-app',
            clientSecret: 'emulated-app-secret',
            authority: 'did:web:verifier.example',
            acceptedIssuers: [
              { did: 'did:web:idv-partner.example', trustFramework: 'nist_800_63A', assuranceLevel: 'ial2' },
            ],
            callbackSecret: 'callback-secret',
            loginAuthority: vid.url,
            endpoint: vid.url,
            timeoutMs: 1000,
          },
        },
      }) as { providers: Record<string, unknown> };
      providers = buildIdvProviders(idvModule as NonNullable<typeof idvModule>, section);
    });
    afterAll(async () => {
      await oidc?.close();
      await vid?.close();
    });

    /** The baseline, with T2 naming the provider to use. */
    const policyFor = (provider: string) => ({
      ...baselinePolicy,
      tiers: {
        ...baselinePolicy.tiers,
        T2: {
          ...baselinePolicy.tiers.T2,
          idv: { ...(baselinePolicy.tiers.T2?.idv ?? {}), ...idvRules(provider) },
        },
      },
    });
    const idvRules = (provider: string) => ({
      ...(idvModule ? {} : {}),
      provider,
      trustFrameworks: ['nist_800_63A'],
      assuranceLevels: ['ial2', 'ial3'],
      minScore: 70,
      requireScore: false,
      names: {
        diacritics: 'fold' as const,
        middleNames: 'ignore' as const,
        givenNameAttribute: 'givenName',
        familyNameAttribute: 'familyName',
      },
      birthdateAttribute: 'birthdate',
      employeeNumberAttribute: 'employeeNumber',
    });

    async function setup(provider: 'acme' | 'vid') {
      clock.now = new Date();
      idp = createFakeIdp('okta', () => clock.now);
      const named: RecoveryProvider = {
        ...idp.provider,
        async readSubjectFacts(user) {
          const facts = await idp.provider.readSubjectFacts(user);
          return { ...facts, attributes: { ...facts.attributes, givenName: 'Alice', familyName: 'Anders' } };
        },
      };
      const policy = policyFor(provider) as typeof baselinePolicy;
      env = await startEnv(new Map([['okta', named]]), clock, policy);
      const router = createRouter();
      server = await startHttpServer({ logger: silentLogger, router, port: PORT });
      service = createIdvService({
        store: env.store,
        engine: env.engine,
        policy,
        providers,
        now: () => clock.now,
        baseUrl: BASE,
      });
      mountPages(
        router,
        () => ({
          engine: env.engine,
          store: env.store,
          providers: new Map([['okta', named]]),
          notifier: { send: async () => undefined },
          audit: env.audit,
          baseUrl: BASE,
          logger: silentLogger,
          idv: service,
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
          now: () => clock.now,
        },
      );
      await env.store.migrate(PAGES_MIGRATIONS);
      sessions = createSessions({ secret: SECRET, now: () => clock.now, https: false });
      await env.engine.handleEvent(event('okta', { subject: { userId: idp.id('alice'), login: null } }));
      const [c] = await env.engine.listCases({ subjectId: idp.id('alice') });
      if (!c) throw new Error('no case');
      const session = await sessions.create(env.store, {
        sub: idp.id('alice'),
        idp: 'okta',
        caseId: c.id,
        purpose: 'verify',
      });
      return { caseId: c.id, cookie: sessions.cookie(session).split(';')[0] as string };
    }
    afterEach(async () => {
      await server?.close();
      await env?.close();
    });

    const get = (path: string, cookie: string) =>
      fetch(`${BASE}${path}`, { redirect: 'manual', headers: { cookie } });
    const post = (path: string, form: Record<string, string>, cookie: string) =>
      fetch(`${BASE}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, origin: BASE, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    const csrfIn = (text: string) => /name="csrf" value="([^"]+)"/.exec(text)?.[1] ?? '';
    const unescapeAmp = (s: string) => s.replaceAll('&amp;', '&').replaceAll('&#38;', '&');

    async function startFromPage(caseId: string, cookie: string): Promise<string> {
      const page = await (await get(`/verify/case/${caseId}`, cookie)).text();
      const started = await post(`/verify/case/${caseId}/idv/start`, { csrf: csrfIn(page) }, cookie);
      expect(started.status).toBe(303);
      const after = await (await get(`/verify/case/${caseId}`, cookie)).text();
      const path = unescapeAmp(/id="idv-continue" href="([^"]+)"/.exec(after)?.[1] ?? '');
      if (!path) return '';
      const go = await get(path, cookie);
      expect(go.status).toBe(303);
      return go.headers.get('location') ?? '';
    }

    it('walks the OpenID IA round trip: offer, continue, verify, back, done', async () => {
      const { caseId, cookie } = await setup('acme');
      const first = await (await get(`/verify/case/${caseId}`, cookie)).text();
      expect(first).toContain('Verify your identity with Acme ID');
      const refused = await post(`/verify/case/${caseId}/idv/start`, { csrf: 'forged' }, cookie);
      expect(refused.status).toBe(403);
      const go = await startFromPage(caseId, cookie);
      expect(go.startsWith(oidc.issuer)).toBe(true);
      const agent = kit.createBrowserlessAgent(`${BASE}${IDV_RETURN_PATH}`);
      const capture = await agent.go(go);
      const back = await agent.go(kit.formAction(capture), {
        form: { persona: 'alice-pass', action: 'verify' },
      });
      expect(back.stopped).toBe(true);
      const landed = await get(new URL(back.url).pathname + new URL(back.url).search, cookie);
      expect(landed.status).toBe(303);
      const done = await (await get(`/verify/case/${caseId}`, cookie)).text();
      expect(done).toContain('Your identity is verified.');
      expect((await env.engine.getCase(caseId))?.evidence.find((e) => e.kind === 'idv_ial2')?.outcome).toBe(
        'passed',
      );
    });

    it('Verified ID: callbacks over HTTP; an impostor is refused with the reason on the page; forgeries change nothing', async () => {
      const { caseId, cookie } = await setup('vid');
      const go = await startFromPage(caseId, cookie);
      expect(go).toMatch(/^openid-vc:\/\//);
      const [request] = [...vid.requests.values()].slice(-1);
      if (!request) throw new Error('no request');
      const forged = await fetch(`${BASE}/idv/callback/vid`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'api-key': 'guess' },
        body: JSON.stringify({
          requestId: request.requestId,
          requestStatus: 'presentation_verified',
          state: request.state,
        }),
      });
      expect(forged.status).toBe(401);
      const missing = await fetch(`${BASE}/idv/callback/vid`, { method: 'POST', body: '{}' });
      expect(missing.status).toBe(401);
      const huge = await fetch(`${BASE}/idv/callback/vid`, {
        method: 'POST',
        headers: { 'api-key': 'k' },
        body: 'x'.repeat(300_000),
      });
      expect(huge.status).toBe(413);
      const malformed = await fetch(`${BASE}/idv/callback/vid`, {
        method: 'POST',
        headers: { 'api-key': 'k' },
        body: '{"state":',
      });
      expect(malformed.status).toBe(400);
      expect((await env.engine.getCase(caseId))?.evidence).toEqual([]);
      await vid.present(request.requestId, 'alice-impostor');
      expect(vid.deliveries.slice(-2).map((d) => d.responseStatus)).toEqual([202, 202]);
      const page = await (await get(`/verify/case/${caseId}`, cookie)).text();
      expect(page).toContain('Not verified:');
      expect(page).toContain('the given name does not match the IdP record');
      const c = await env.engine.getCase(caseId);
      expect(c?.state).toBe('verifying');
      expect(c?.evidence.map((e) => [e.kind, e.outcome])).toEqual([['idv_ial2', 'failed']]);
    });

    it('walks the IDV step in Chromium: verify, continue, document and selfie at the provider, back, verified', async () => {
      const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
      const { chromium } = await import('playwright-core');
      const { caseId, cookie } = await setup('acme');
      const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
      try {
        const context = await browser.newContext();
        const [name, value] = cookie.split('=') as [string, string];
        await context.addCookies([{ name, value, url: BASE }]);
        const page = await context.newPage();
        await page.goto(`${BASE}/verify/case/${caseId}`);
        await expect(page.getByText('Verify your identity with Acme ID').count()).resolves.toBeGreaterThan(0);
        await page.getByRole('button', { name: 'Verify your identity' }).click();
        await page.waitForLoadState('domcontentloaded');
        await page.screenshot({ path: `${SHOTS}/idv-continue.png`, fullPage: true });
        await page.getByRole('link', { name: 'Continue to Acme ID' }).click();
        await page.getByLabel('Person').selectOption('alice-pass');
        await page.screenshot({ path: `${SHOTS}/idv-provider.png`, fullPage: true });
        await page.getByRole('button', { name: 'Scan document and take selfie' }).click();
        await page.waitForURL(`${BASE}/verify/case/${caseId}`);
        await expect(page.getByText('Your identity is verified.').count()).resolves.toBe(1);
        await page.screenshot({ path: `${SHOTS}/idv-verified.png`, fullPage: true });
        expect((await env.engine.getCase(caseId))?.evidence.find((e) => e.kind === 'idv_ial2')?.outcome).toBe(
          'passed',
        );
      } finally {
        await browser.close();
      }
    });

    it('tells the subject to try again later when the provider is down, and changes nothing', async () => {
      const { caseId, cookie } = await setup('acme');
      oidc.server.fault = 'down';
      try {
        const page = await (await get(`/verify/case/${caseId}`, cookie)).text();
        const res = await post(`/verify/case/${caseId}/idv/start`, { csrf: csrfIn(page) }, cookie);
        expect(res.status, await res.text()).toBe(303);
        const after = await (await get(`/verify/case/${caseId}`, cookie)).text();
        expect(/<main[\s\S]{0,400}/.exec(after)?.[0]).toContain('try again later');
        expect(after).not.toContain('idv-continue');
        expect(await service.latest(caseId)).toBeNull();
      } finally {
        oidc.server.fault = 'none';
      }
    });
  },
);
