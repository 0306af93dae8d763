/**
 * The demo's second half: after the scripted stories, fresh tenants (the stories reset alice's and erin's
 * authenticators) and a gate on the baseline policy as shipped, with cases left open for a person to finish
 * in a browser: alice's recovery (verify, her manager erin approves with MFA, the credential shown once) and
 * carol's privileged recovery on its 4 h hold ("this wasn't me"). The demo inbox stands in for the phones.
 * @module
 */

import { join } from 'node:path';
import { baselinePolicyInput, type IdpKind, parsePolicy, type RecoveryProvider } from '@recovery-gate/core';
import type { CliIo } from '../cli/io.js';
import { silentLogger } from '../log.js';
import { createGate, type Gate } from '../service.js';
import { withSchemaDefaults } from './config.js';
import { INBOX_PATH, mountDemoInbox, type SentMessage } from './inbox.js';
import { demoPagesSection, registerPagesClients } from './pages.js';
import { applyGuardrails, CAST, type DemoTenant, startTenant } from './tenants.js';

/** The running exploration: its gate, tenants and what it printed. */
export interface Exploration {
  readonly gate: Gate;
  readonly tenants: readonly DemoTenant[];
  /** What the gate sent, as the demo inbox shows it. */
  readonly sent: readonly SentMessage[];
  close(): Promise<void>;
}

const DAY = 86_400_000;

/**
 * Okta proves a phone only with an SMS factor, and the seeded cast has none: alice (or `who`) gets one, on
 * file for 400 days, so the gate can text her (as on the other IdPs, where her number is verified).
 */
export async function oktaPhoneFor(tenant: DemoTenant, who = 'alice'): Promise<void> {
  const emulator = tenant.emulator as {
    control?: { state?: unknown; now?: () => number; profileValue?(u: string, a: string): string | null };
  } | null;
  const control = emulator?.control;
  if (tenant.idp !== 'okta' || control?.state === undefined || control.now === undefined) return;
  const { addFactor } = (await import('@recovery-gate/okta/emulator')) as unknown as {
    addFactor(
      state: unknown,
      userId: string,
      type: 'sms',
      at: number,
      profile: Record<string, unknown>,
    ): void;
  };
  const person = await tenant.id(who);
  const phoneNumber = control.profileValue?.(person, 'mobilePhone');
  if (phoneNumber) addFactor(control.state, person, 'sms', control.now() - 400 * DAY, { phoneNumber });
}

async function owners(tenants: readonly DemoTenant[]): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  for (const t of tenants) {
    for (const name of CAST) {
      const id = await t.id(name).catch(() => null);
      if (id === null) continue;
      const facts = await t.adapter.readSubjectFacts(id).catch(() => null);
      for (const ch of facts?.channels ?? []) map.set(ch.value, name);
    }
  }
  return map;
}

/** Starts fresh tenants and a gate on the baseline policy, with the pages and the demo inbox. */
export async function startExploration(
  io: CliIo,
  dataDir: string,
  port: number,
): Promise<Exploration | null> {
  const tenants: DemoTenant[] = [];
  for (const idp of ['okta', 'entra', 'keycloak'] as const) {
    const tenant = await startTenant(idp);
    tenants.push(tenant);
    await applyGuardrails(tenant, () => undefined);
    await oktaPhoneFor(tenant);
  }
  const pages = await demoPagesSection(tenants);
  if (pages === null) {
    for (const t of tenants) await t.close();
    return null;
  }
  const sent: SentMessage[] = [];
  const providers = new Map<IdpKind, RecoveryProvider>(tenants.map((t) => [t.idp, t.adapter]));
  const config = await withSchemaDefaults({
    ...parsePolicy(baselinePolicyInput),
    pages,
    providers: {},
    notifications: {},
    storage: { dataDir },
    server: { port, host: '127.0.0.1' },
    pollers: { interval: '1s', lookback: '10m', tick: '1s' },
  });
  const gate = createGate({
    config,
    providers,
    logger: silentLogger,
    notifier: { send: async (notification) => void sent.push({ at: new Date(), notification }) },
    intake: { pollIntervalMs: 300, workerIntervalMs: 100 },
  });
  mountDemoInbox(gate.router, {
    tenants,
    sent,
    owners: await owners(tenants),
    engine: { getCase: (id) => gate.orchestrator.getCase(id) },
  });
  await gate.start();
  await registerPagesClients(gate, tenants);
  io.stdout(`\nFresh tenants for you, and the gate on the baseline policy as shipped: ${gate.url}\n`);
  return {
    gate,
    tenants,
    sent,
    close: async () => {
      await gate.stop().catch(() => undefined);
      for (const t of tenants) await t.close().catch(() => undefined);
    },
  };
}

/** The links of the messages sent since `from`, one printed line each. */
export function linkLines(sent: readonly SentMessage[], from: number): string[] {
  const lines: string[] = [];
  for (const { notification: n } of sent.slice(from)) {
    const to = n.to.kind === 'security' ? 'security team' : n.to.address;
    for (const link of n.links ?? []) lines.push(`      ${link.label} (sent to ${to}): ${link.url}`);
  }
  return lines;
}

/** Opens the cases to explore on every tenant and prints them with their links. */
export async function openExploreCases(x: Exploration, io: CliIo): Promise<void> {
  const { gate } = x;
  const sent = () => x.sent;
  const engine = gate.orchestrator;
  io.stdout('\nExplore in a browser (Ctrl-C to stop):\n');
  io.stdout(
    `  demo inbox  ${gate.url}${INBOX_PATH}  (the cast's phones and mailboxes: messages, codes, pushes)\n`,
  );
  io.stdout(`  case view   ${gate.url}/cases  (sign in as sam or sara through Okta)\n`);
  io.stdout('  everyone signs in with the password Demo-Passw0rd! (emulators only); Okta and Entra\n');
  io.stdout('  take <name>@example.com, Keycloak takes <name>\n');
  for (const t of x.tenants) {
    const frank = await t.id('frank');
    let before = sent().length;
    const alice = await engine.openCase({
      idp: t.idp,
      subject: await t.id('alice'),
      action: 'authenticator_rebind',
      requesterId: frank,
    });
    if (alice !== null) {
      io.stdout(`\n  ${t.idp}: alice lost her phone, case ${alice.id} (${alice.state})\n`);
      io.stdout(
        linkLines(sent(), before)
          .map((l) => `${l}\n`)
          .join(''),
      );
    }
    before = sent().length;
    const carol = await engine.openCase({
      idp: t.idp,
      subject: await t.id('carol'),
      action: 'mfa_reset',
      requesterId: frank,
    });
    if (carol === null) continue;
    // Proofing and dual control as in carol's story, so the case waits out its hold for a person to stop.
    await engine.recordEvidence(carol.id, { kind: 'supervised_proofing', by: await t.id('gina') });
    for (const who of ['sam', 'sara']) {
      await engine.recordApproval(carol.id, {
        approverId: await t.id(who),
        role: 'security_team',
        decision: 'approve',
        reason: 'identity confirmed in person',
      });
    }
    const held = await engine.getCase(carol.id);
    const until = held?.notBefore ? ` until ${held.notBefore}` : '';
    io.stdout(`  ${t.idp}: carol (privileged), case ${carol.id} (${held?.state ?? 'unknown'}${until})\n`);
    io.stdout(
      linkLines(sent(), before)
        .filter((l) => l.includes('/cancel/'))
        .map((l) => `${l}\n`)
        .join(''),
    );
  }
  io.stdout(
    [
      '',
      `Finish them in a browser (the README's "Explore in a browser" has every click); the inbox is ${gate.url}${INBOX_PATH}`,
      '  1. alice opens her Verify link and signs in. On Okta the gate also pushed to her phone: her page shows a',
      "     number; pick the same number in alice's row of the inbox (a wrong pick denies the push).",
      '  2. erin opens her Review link, signs in with her second factor and approves.',
      '  3. alice reloads her page and presses "Sign in to view it": the temporary credential is shown once, on',
      "     the gate's page (Keycloak's temporary password too; nothing goes to the account's own mailbox).",
      '  4. "This wasn\'t me": the inbox now has "Your account was recovered" for alice with that link; confirm it',
      '     and the page lists what was undone (credential revoked, sign-in methods added since removed,',
      "     password reset, signed out everywhere, security alerted). carol's links stop her held recovery.",
      '',
    ].join('\n'),
  );
}

/** The data directory of the exploration gate (apart from the stories'). */
export const exploreDataDir = (dir: string): string => join(dir, 'explore');
