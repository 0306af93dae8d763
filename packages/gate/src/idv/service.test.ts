import type { IdvProvider, RecoveryProvider } from '@recovery-gate/core';
import { isGateError } from '@recovery-gate/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeIdp, type FakeIdp } from '../orchestrator/fake-idp.test-helper.js';
import { type Env, event, startEnv } from '../orchestrator/setup.test-helper.js';
import { buildIdvProviders, loadIdvModule } from './load.js';
import { createIdvService, IDV_RETURN_PATH, type IdvService } from './service.js';

/** The emulator, loaded like the package (both ship in @recovery-gate/idv). */
interface Emu {
  readonly issuer: string;
  readonly server: { fault: 'none' | 'down' | 'hang' };
  close(): Promise<void>;
}
interface EmuModule {
  startOidcIaEmulator(o: Record<string, unknown>): Promise<Emu>;
  standardPersonas(g: string, f: string, id: string): unknown[];
}
interface KitModule {
  createBrowserlessAgent(stopAt: string): {
    go(
      url: string,
      init?: { form?: Record<string, string> },
    ): Promise<{ url: string; body: string; stopped: boolean; status: number }>;
  };
  formAction(page: { url: string; body: string }): string;
}
const EMULATOR = '@recovery-gate/idv/emulator';
const KIT = '@recovery-gate/emulator-kit';
const idvModule = await loadIdvModule();

const BASE = 'https://gate.test';
const RETURN = `${BASE}${IDV_RETURN_PATH}`;

describe.skipIf(idvModule === undefined)(
  'IDV in the gate (OpenID IA emulator; skipped when @recovery-gate/idv is not installed)',
  { timeout: 120_000 },
  () => {
    let emu: Emu;
    let emuModule: EmuModule;
    let kit: KitModule;
    let env: Env;
    let idp: FakeIdp;
    let service: IdvService;
    let providers: Map<string, IdvProvider>;
    const clock = { now: new Date() };

    beforeAll(async () => {
      emuModule = (await import(EMULATOR)) as EmuModule;
      kit = (await import(KIT)) as KitModule;
      emu = await emuModule.startOidcIaEmulator({
        clients: [{ client_id: 'gate', client_secret: 'emulated-secret', redirect_uris: [RETURN] }],
        personas: emuModule.standardPersonas('Alice', 'Anders', 'alice'),
        requirePar: true,
        now: () => clock.now.getTime(),
      });
      const section = (idvModule?.identityVerificationSchema.parse({
        providers: {
          acme: {
            kind: 'oidc_ia',
            displayName: 'Acme ID',
            issuer: emu.issuer,
            clientId: 'gate',
            clientSecret: 'emulated-secret',
            timeoutMs: 1000,
          },
        },
      }) ?? { providers: {} }) as { providers: Record<string, unknown> };
      providers = buildIdvProviders(idvModule as NonNullable<typeof idvModule>, section);
    });
    afterAll(() => emu?.close());

    beforeEach(async () => {
      clock.now = new Date();
      idp = createFakeIdp('okta', () => clock.now);
      const named: RecoveryProvider = {
        ...idp.provider,
        async readSubjectFacts(user) {
          const facts = await idp.provider.readSubjectFacts(user);
          return { ...facts, attributes: { ...facts.attributes, givenName: 'Alice', familyName: 'Anders' } };
        },
      };
      env = await startEnv(new Map([['okta', named]]), clock);
      service = createIdvService({
        store: env.store,
        engine: env.engine,
        policy: (await import('@recovery-gate/core')).baselinePolicy,
        providers,
        now: () => clock.now,
        baseUrl: BASE,
      });
      emu.server.fault = 'none';
    }, 120_000);
    afterEach(() => env.close(), 120_000);

    async function openCase() {
      await env.engine.handleEvent(
        event('okta', {
          subject: { userId: 'u-alice', login: 'alice@example.com' },
          occurredAt: clock.now.toISOString(),
        }),
      );
      const [c] = await env.engine.listCases({ subjectId: 'u-alice', kind: 'recovery', state: 'verifying' });
      const view = c ? await env.engine.getCase(c.id) : null;
      if (!view) throw new Error('no case');
      return view;
    }

    async function verifyAs(url: string, persona: string): Promise<URL> {
      const agent = kit.createBrowserlessAgent(RETURN);
      const page = await agent.go(url);
      const done = await agent.go(kit.formAction(page), { form: { persona, action: 'verify' } });
      if (!done.stopped) throw new Error(`no return (${done.status})`);
      return new URL(done.url);
    }

    const idvEvidence = async (caseId: string) =>
      (await env.engine.getCase(caseId))?.evidence.filter((e) => e.kind === 'idv_ial2') ?? [];

    it("offers the tier's provider, records passed idv_ial2 on a match, and with the manager the case moves on", async () => {
      const c = await openCase();
      expect(service.providerFor(c)?.displayName).toBe('Acme ID');
      const back = await verifyAs(await service.start(c), 'alice-pass');
      expect(await service.handleReturn(back)).toMatchObject({ outcome: 'recorded', counts: true });
      const [e] = await idvEvidence(c.id);
      expect(e).toMatchObject({
        outcome: 'passed',
        personId: 'u-alice',
        data: { provider: 'acme', assuranceLevel: 'ial2', checksFailed: '' },
      });
      expect((await service.latest(c.id))?.status).toBe('passed');
      await env.engine.recordApproval(c.id, {
        approverId: 'u-erin',
        role: 'manager',
        decision: 'approve',
        reason: 'called her back',
      });
      await env.engine.tick();
      expect((await env.engine.getCase(c.id))?.state).not.toBe('verifying');
    });

    it('refuses an impostor with another legal name: failed evidence naming the field, nothing moves', async () => {
      const c = await openCase();
      const back = await verifyAs(await service.start(c), 'alice-impostor');
      expect(await service.handleReturn(back)).toMatchObject({
        outcome: 'recorded',
        counts: false,
        reason: 'the given name does not match the IdP record',
      });
      const [e] = await idvEvidence(c.id);
      expect(e).toMatchObject({ outcome: 'failed', data: { checksFailed: 'given_name,family_name' } });
      await env.engine.recordApproval(c.id, {
        approverId: 'u-erin',
        role: 'manager',
        decision: 'approve',
        reason: 'ok',
      });
      await env.engine.tick();
      const after = await env.engine.getCase(c.id);
      expect(after?.state).toBe('verifying');
      expect(
        idp.calls.filter((call) => call.method.startsWith('reset') || call.method.startsWith('revoke')),
      ).toEqual([]);
    });

    it('refuses failed liveness and an expired document', async () => {
      for (const [persona, check] of [
        ['alice-liveness', 'biometric'],
        ['alice-expired', 'document'],
      ] as const) {
        const c = await openCase();
        const back = await verifyAs(await service.start(c), persona);
        expect(await service.handleReturn(back)).toMatchObject({ counts: false });
        expect(String((await idvEvidence(c.id)).at(-1)?.data.checksFailed)).toContain(check);
        await env.engine.cancel(c.id, { by: 'u-alice', reason: 'next' });
      }
    });

    it('refuses a result older than the evidence window', async () => {
      const c = await openCase();
      const back = await verifyAs(await service.start(c), 'alice-pass');
      clock.now = new Date(clock.now.getTime() + 16 * 60_000);
      expect(await service.handleReturn(back)).toMatchObject({
        counts: false,
        reason: 'the verification is older than the evidence window',
      });
    });

    it('ignores a replayed return and an unknown state; neither changes the case', async () => {
      const c = await openCase();
      const back = await verifyAs(await service.start(c), 'alice-pass');
      await service.handleReturn(back);
      const before = await env.engine.getCase(c.id);
      expect(await service.handleReturn(back)).toMatchObject({ outcome: 'ignored', why: 'replayed' });
      const forged = new URL(back);
      forged.searchParams.set('state', 'state-of-no-case');
      const error = await service.handleReturn(forged).catch((x: unknown) => x);
      expect(isGateError(error, 'ERR_LINK_INVALID')).toBe(true);
      const after = await env.engine.getCase(c.id);
      expect(after?.evidence).toEqual(before?.evidence);
      expect(after?.state).toBe(before?.state);
    });

    it('records nothing for a case that ended before the answer came back', async () => {
      const c = await openCase();
      const back = await verifyAs(await service.start(c), 'alice-pass');
      await env.engine.cancel(c.id, { by: 'u-alice', reason: 'not me' });
      expect(await service.handleReturn(back)).toMatchObject({ outcome: 'ignored', why: 'finished' });
      expect(await idvEvidence(c.id)).toEqual([]);
    });

    it('leaves everything pending while the provider is down or silent, then completes', async () => {
      const c = await openCase();
      emu.server.fault = 'down';
      expect(isGateError(await service.start(c).catch((x: unknown) => x), 'ERR_IDV_UNAVAILABLE')).toBe(true);
      emu.server.fault = 'none';
      const back = await verifyAs(await service.start(c), 'alice-pass');
      emu.server.fault = 'hang';
      expect(
        isGateError(await service.handleReturn(back).catch((x: unknown) => x), 'ERR_IDV_UNAVAILABLE'),
      ).toBe(true);
      expect((await service.latest(c.id))?.status).toBe('started');
      expect(await idvEvidence(c.id)).toEqual([]);
      emu.server.fault = 'none';
      expect(await service.handleReturn(back)).toMatchObject({ outcome: 'recorded', counts: true });
    });

    it('audits provider, transaction, level, checks and score, never names, birth date or document number', async () => {
      const c = await openCase();
      await service.handleReturn(await verifyAs(await service.start(c), 'alice-pass'));
      const record = env.audit.entries.find(
        (a) => a.type === 'case.evidence' && (a.data as { kind?: string }).kind === 'idv_ial2',
      );
      expect(record?.data).toMatchObject({ provider: 'acme', assuranceLevel: 'ial2', outcome: 'passed' });
      expect(typeof (record?.data as { transactionId?: unknown } | undefined)?.transactionId).toBe('string');
      const text = JSON.stringify(env.audit.entries);
      for (const secret of ['1988-06-14', 'P1234567', 'Anders']) expect(text).not.toContain(secret);
    });
  },
);
