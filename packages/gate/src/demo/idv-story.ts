/**
 * The identity-verification stories, on every IdP: alice has lost every authenticator, so she proves who
 * she is with IAL2 remote proofing (a document and a selfie at an OpenID Connect for Identity Assurance
 * provider, emulated) and her manager approves; then an impostor calls as alice, and the document he shows
 * carries another legal name: the verification is refused, naming the fields, and nothing is executed.
 * @module
 */

import { baselinePolicy, type IdvProvider } from '@recovery-gate/core';
import {
  buildIdvProviders,
  createIdvService,
  IDV_RETURN_PATH,
  type IdvService,
  loadIdvModule,
} from '../idv/index.js';
import { collect, type ScenarioContext, type ScenarioResult, stateOf } from './scenarios.js';

interface Emulator {
  readonly issuer: string;
  close(): Promise<void>;
}
interface EmulatorModule {
  startOidcIaEmulator(o: Record<string, unknown>): Promise<Emulator>;
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
const EMULATOR = '@recovery-gate/idv/emulator';
const KIT = '@recovery-gate/emulator-kit';

/** Starts the IDV emulator with people shaped after `who`'s IdP record (and an impostor), and the service. */
async function withIdv<T>(
  ctx: ScenarioContext,
  who: string,
  run: (idv: IdvService, kit: Kit) => Promise<T>,
): Promise<T | null> {
  const mod = await loadIdvModule();
  if (!mod) return null;
  const emulators = (await import(EMULATOR)) as EmulatorModule;
  const kit = (await import(KIT)) as Kit;
  const facts = await ctx.tenant.adapter.readSubjectFacts(await ctx.tenant.id(who));
  const given = facts.attributes.givenName ?? who;
  const family = facts.attributes.familyName ?? 'Example';
  const document = { type: 'passport', country: 'GB', number: 'P1234567', expiry: '2031-05-01' };
  const returnUrl = `${ctx.gate.baseUrl}${IDV_RETURN_PATH}`;
  const emu = await emulators.startOidcIaEmulator({
    clients: [
      { client_id: 'recovery-gate', client_secret: 'demo-idv-client-secret', redirect_uris: [returnUrl] },
    ],
    requirePar: true,
    personas: [
      {
        id: `${who}-real`,
        label: `${given} ${family}`,
        givenName: given,
        familyName: family,
        birthdate: '1988-06-14',
        document,
        outcome: 'pass',
      },
      {
        id: `${who}-impostor`,
        label: 'Mallory Stone',
        givenName: 'Mallory',
        familyName: 'Stone',
        birthdate: '1979-01-02',
        document,
        outcome: 'pass',
      },
    ],
  });
  try {
    const section = mod.identityVerificationSchema.parse({
      providers: {
        acme: {
          kind: 'oidc_ia',
          displayName: 'Acme ID',
          issuer: emu.issuer,
          clientId: 'recovery-gate',
          clientSecret: 'demo-idv-client-secret',
        },
      },
    }) as { providers: Record<string, unknown> };
    const providers: Map<string, IdvProvider> = buildIdvProviders(mod, section);
    const idv = createIdvService({
      store: ctx.gate.store,
      engine: ctx.gate.orchestrator,
      policy: baselinePolicy,
      providers,
      now: () => new Date(),
      baseUrl: ctx.gate.baseUrl,
    });
    return await run(idv, kit);
  } finally {
    await emu.close();
  }
}

/** The agent raises a new request for `who`; waits for the new case (not an earlier one) to be verifying. */
async function newCase(ctx: ScenarioContext, who: string): Promise<string> {
  const subjectId = await ctx.tenant.id(who);
  const before = new Set(
    (await ctx.gate.orchestrator.listCases({ subjectId, kind: 'recovery' })).map((c) => c.id),
  );
  ctx.say(`frank (help desk) adds ${who} to the mfa_reset request group in the ${ctx.tenant.idp} console`);
  await ctx.tenant.probes.nativeRequest?.(subjectId);
  const found = await ctx.until(`a new case for ${who}`, async () =>
    (await ctx.gate.orchestrator.listCases({ subjectId, kind: 'recovery' })).find((c) => !before.has(c.id)),
  );
  ctx.opened = found.id;
  await stateOf(ctx, found.id, ['verifying']);
  return found.id;
}

/** The subject (or whoever holds the link) shows `persona`'s document and face at the provider. */
async function verifyAt(idv: IdvService, kit: Kit, ctx: ScenarioContext, caseId: string, persona: string) {
  const c = await ctx.gate.orchestrator.getCase(caseId);
  if (!c) throw new Error('case vanished');
  const url = await idv.start(c);
  const agent = kit.createBrowserlessAgent(`${ctx.gate.baseUrl}${IDV_RETURN_PATH}`);
  const page = await agent.go(url);
  const back = await agent.go(kit.formAction(page), { form: { persona, action: 'verify' } });
  if (!back.stopped) throw new Error('the provider did not send the browser back');
  return idv.handleReturn(new URL(back.url));
}

/** What a story reports when the idv package is not linked (a workspace installed before it existed). */
function notInstalled(title: string): ScenarioResult {
  return {
    title,
    caseId: null,
    outcome: 'skipped: @recovery-gate/idv is not installed here (run npm install)',
    ok: true,
  };
}

/** alice has no authenticator left: IAL2 remote proofing plus her manager's approval. */
export async function aliceVerifiesIdentity(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = 'alice lost every authenticator: IAL2 identity verification plus her manager';
  const result = await withIdv(ctx, 'alice', async (idv, kit) => {
    const id = await newCase(ctx, 'alice');
    ctx.say('alice chooses "Verify your identity with Acme ID": passport scan and a live selfie');
    const settled = await verifyAt(idv, kit, ctx, id, 'alice-real');
    const counted = settled.outcome === 'recorded' && settled.counts;
    ctx.say(
      `the gate checks level, freshness, this case's state and nonce, and her names against the IdP: ${counted ? 'it counts' : 'REFUSED'}`,
    );
    ctx.say('erin (manager) approves on the approval page: "spoke to her on a video call"');
    await ctx.gate.orchestrator.recordApproval(id, {
      approverId: await ctx.tenant.id('erin'),
      role: 'manager',
      decision: 'approve',
      reason: 'spoke to her on a video call',
    });
    const outcome = await collect(ctx, id, 'alice');
    const done = await stateOf(ctx, id, ['completed']);
    return {
      title,
      caseId: id,
      outcome: `identity verified (IAL2); ${outcome}`,
      ok:
        counted && done.state === 'completed' && !outcome.includes('FAILS') && !outcome.includes('ACCEPTED'),
    };
  });
  return result ?? notInstalled(title);
}

/** An impostor calls as alice; the document he shows carries another legal name. */
export async function impostorFailsIdentity(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = 'an impostor calls as alice and shows a document with another name';
  const result = await withIdv(ctx, 'alice', async (idv, kit) => {
    const id = await newCase(ctx, 'alice');
    ctx.say('the caller follows the link and verifies with his own passport and face');
    const settled = await verifyAt(idv, kit, ctx, id, 'alice-impostor');
    const refused = settled.outcome === 'recorded' && !settled.counts;
    ctx.say(`the gate refuses it: ${settled.outcome === 'recorded' ? settled.reason : settled.outcome}`);
    ctx.say('sam (security) closes the case as a suspected impostor');
    await ctx.gate.orchestrator.cancel(id, {
      by: await ctx.tenant.id('sam'),
      reason: 'identity verification failed',
    });
    const end = await stateOf(ctx, id, ['cancelled', 'denied']);
    const executed = end.journal.some((j) => ['revoke', 'reset', 'issue'].includes(j.step));
    return {
      title,
      caseId: id,
      outcome: `verification refused (${end.evidence.find((e) => e.kind === 'idv_ial2')?.data.checksFailed ?? '?'}); case ${end.state}; ${executed ? 'SOMETHING WAS EXECUTED' : 'no reset, no credential'}`,
      ok: refused && !executed,
    };
  });
  return result ?? notInstalled(title);
}
