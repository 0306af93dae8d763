/**
 * The password-reset and unlock stories left open for a person, on tenants of their own (alice is locked out
 * there, which would stop her lost-phone recovery on the first set): per IdP, alice's unlock (locked where the
 * IdP can lock; she proves herself on the proof page with a code to her phone, erin approves) and erin's
 * password reset (she verifies with a step-up sign-in; after the reset she proves she holds her phone and
 * sees her temporary credential once). Its own demo inbox stands in for the phones.
 * @module
 */

import type { CliIo } from '../cli/io.js';
import { type Exploration, linkLines, oktaPhoneFor, startExploration } from './explore.js';
import { INBOX_PATH } from './inbox.js';

/** The line the demo prints last for these stories (a reader of its output waits for it). */
export const RESET_UNLOCK_READY = 'Finish the password-reset and unlock stories';

/** Starts the second set of fresh tenants and its gate, or null when this build serves no pages. */
export async function startResetUnlockExploration(
  io: CliIo,
  dataDir: string,
  port: number,
): Promise<Exploration | null> {
  const quiet: CliIo = { ...io, stdout: () => undefined };
  const x = await startExploration(quiet, dataDir, port);
  if (x === null) return null;
  // Okta proves a phone only with an SMS factor: erin gets one too, so she can prove she holds her phone.
  for (const t of x.tenants) await oktaPhoneFor(t, 'erin');
  return x;
}

/** Locks alice out where the IdP can, opens both cases on every tenant and prints them with their links. */
export async function openResetUnlockCases(x: Exploration, io: CliIo): Promise<void> {
  const engine = x.gate.orchestrator;
  io.stdout('\nPassword reset and unlock, on tenants of their own (Ctrl-C to stop):\n');
  io.stdout(`  demo inbox  ${x.gate.url}${INBOX_PATH}  (this set's phones and mailboxes)\n`);
  for (const t of x.tenants) {
    const frank = await t.id('frank');
    const alice = await t.id('alice');
    // Five wrong passwords, as the IdP counts them; Entra's smart lockout is invisible to Graph.
    await t.probes.lockOut?.(alice);
    let before = x.sent.length;
    const unlock = await engine.openCase({
      idp: t.idp,
      subject: alice,
      action: 'account_unlock',
      requesterId: frank,
    });
    const status = (await t.adapter.readSubjectFacts(alice)).status;
    io.stdout(
      `\n  ${t.idp}: alice is locked out (account ${status}), case ${unlock?.id} (${unlock?.state})\n`,
    );
    io.stdout(
      linkLines(x.sent, before)
        .map((l) => `${l}\n`)
        .join(''),
    );
    before = x.sent.length;
    const reset = await engine.openCase({
      idp: t.idp,
      subject: await t.id('erin'),
      action: 'password_reset',
      requesterId: frank,
    });
    io.stdout(`  ${t.idp}: erin's password reset, case ${reset?.id} (${reset?.state})\n`);
    io.stdout(
      linkLines(x.sent, before)
        .map((l) => `${l}\n`)
        .join(''),
    );
  }
  io.stdout(
    `\n${RESET_UNLOCK_READY} with the README's "Password reset and unlock in a browser" steps: alice's unlock first, then erin's reset (it changes her password). Open ${x.gate.url}${INBOX_PATH}\n`,
  );
}
