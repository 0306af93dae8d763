/**
 * What a recovery still needs, in words a subject can act on: a short list of things to do ("Confirm
 * with a code sent to +****0101") and people to wait for ("Your manager Erin Evans must approve"). The
 * policy's own expression stays on the case view (`missingList`).
 * @module
 */

import type { PersonRef } from '@recovery-gate/core';
import { maskAddress } from '../log.js';
import type { CaseView } from '../orchestrator/index.js';
import { html, type SafeHtml } from './html.js';
import { otpPhones } from './otp.js';

/** What the subject's page can offer, besides the case itself. */
export interface NeededOptions {
  readonly now: Date;
  /** Whether the page takes saved recovery codes. */
  readonly recoveryCodes: boolean;
}

const ROLE_WORDS: Readonly<Record<string, string>> = {
  manager: 'your manager',
  sponsor: 'your sponsor',
  second_agent: 'a second help-desk agent',
  security_team: 'the security team',
  break_glass_authorizer: 'an incident commander',
};

const NUMBER_WORDS = ['no', 'one', 'two', 'three', 'four', 'five'];
const count = (n: number): string => NUMBER_WORDS[n] ?? String(n);

function nameOf(person: PersonRef | null | undefined): string | null {
  return person?.displayName ?? person?.login ?? null;
}

function done(c: CaseView, kind: string): boolean {
  return c.evidence.some((e) => e.kind === kind && e.outcome === 'passed');
}

function approvedBy(c: CaseView, role: string): number {
  return new Set(
    c.approvals.filter((a) => a.role === role && a.decision === 'approve').map((a) => a.personId),
  ).size;
}

function personMust(c: CaseView, role: string, missing: number): string {
  const named =
    role === 'manager' ? nameOf(c.facts?.manager) : role === 'sponsor' ? nameOf(c.facts?.sponsor) : null;
  if (named !== null) return `${role === 'manager' ? 'Your manager' : 'Your sponsor'} ${named} must approve`;
  const who = ROLE_WORDS[role] ?? role.replaceAll('_', ' ');
  if (missing <= 1) return `Someone from ${who} must approve`;
  return `${count(missing)[0]?.toUpperCase()}${count(missing).slice(1)} people from ${who} must approve`;
}

/** Things the subject can do for the evidence kinds the tier accepts and that are not done yet. */
function proofsToDo(c: CaseView, options: NeededOptions): string[] {
  const kinds = c.decision?.requirements.evidenceKinds ?? [];
  const items: string[] = [];
  const open = (kind: string) => kinds.includes(kind) && !done(c, kind);
  if (open('oidc_step_up')) items.push('Sign in again with your second factor');
  if (open('phone_otp')) {
    for (const phone of otpPhones(c, options.now))
      items.push(`Confirm with a code sent to ${maskAddress(phone.value)}`);
  }
  // Only when a push really went out (IdPs without device challenges journal a skip).
  const challenged = c.journal.some(
    (j) =>
      j.step === 'ask:device_challenge' && j.state === 'done' && typeof j.result.challengeId === 'string',
  );
  if (open('device_challenge') && challenged)
    items.push('Approve the request we sent to your registered phone');
  if (open('recovery_code') && options.recoveryCodes) items.push('Enter a saved recovery code');
  if (open('idp_recovery_code') && c.facts?.authenticators?.some((a) => a.kind === 'recovery_codes'))
    items.push('Sign in with a recovery code you saved from your sign-in provider');
  if (open('manager_approval') && approvedBy(c, 'manager') === 0 && c.facts?.manager)
    items.push(personMust(c, 'manager', 1));
  if (open('supervised_proofing')) items.push('A security officer must check your identity in person');
  return items;
}

/** How many more proofs, from core's `needs ... at least N of (...) ...; counting so far: a, b` (null when unsaid). */
function proofsMissing(message: string): number | null {
  const leasts = [...message.matchAll(/at least (\d+) of /g)];
  // Nested thresholds cannot be counted down from the text: say "still needed" without a number.
  if (leasts.length !== 1 || /\ball of \((?!at least)/.test(message)) return null;
  const counted = /counting so far: (.+)$/.exec(message)?.[1]?.split(', ').length ?? 0;
  return Math.max(1, Number(leasts[0]?.[1]) - counted);
}

/** The approvals a role still lacks, from core's `needs N role approval(s) ...; K counted`. */
function approvalMissing(message: string): { readonly role: string; readonly missing: number } | null {
  const m = /^needs (\d+) ([a-z_]+) approval\(s\) from distinct people; (\d+) counted/.exec(message);
  if (m === null) return null;
  return { role: m[2] as string, missing: Math.max(1, Number(m[1]) - Number(m[3])) };
}

/** The "still needed" list of the verification page, as HTML (empty when nothing is missing). */
export function neededList(c: CaseView, options: NeededOptions): SafeHtml | null {
  const unmet = c.decision?.unmet ?? [];
  if (unmet.length === 0) return null;
  const blocks: SafeHtml[] = [];
  for (const entry of unmet) {
    const [code = '', ...rest] = entry.split(': ');
    const message = rest.join(': ');
    if (code === 'EVIDENCE_MISSING') {
      const items = proofsToDo(c, options);
      const more = proofsMissing(message);
      const lead =
        items.length === 0
          ? 'More proof is needed; the help desk can tell you which.'
          : more === null
            ? 'Still needed:'
            : `Still needed: ${count(more)} more of these.`;
      blocks.push(
        html`<p>${lead}</p>${items.length ? html`<ul class="todo">${items.map((i) => html`<li>${i}</li>`)}</ul>` : null}`,
      );
      continue;
    }
    const approval = approvalMissing(message);
    if (approval !== null) {
      blocks.push(html`<ul class="todo"><li>${personMust(c, approval.role, approval.missing)}</li></ul>`);
      continue;
    }
    blocks.push(html`<p>Approvals are still being collected; we will tell you when it is done.</p>`);
  }
  return html`${blocks}`;
}
