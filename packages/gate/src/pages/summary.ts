/**
 * The case status card and the risk signals, shared by the verification, approval and case pages.
 * @module
 */

import { maskAddress } from '../log.js';
import type { CaseView } from '../orchestrator/index.js';
import { actionLabel, esc, facts, pill, statePill, when } from './html.js';

const EVIDENCE_LABEL: Readonly<Record<string, string>> = {
  device_challenge: 'Approved a push on a registered device',
  oidc_step_up: 'Signed in with multi-factor authentication',
  phone_otp: 'Entered a code sent to a phone on file',
  recovery_code: 'Entered a saved recovery code',
  idv_ial2: 'Identity verification (IAL2)',
  supervised_proofing: 'Identity checked in person by a security officer',
  manager_approval: 'Manager approval',
};

const SHORT: Readonly<Record<string, string>> = {
  oidc_step_up: 'MFA sign-in',
  phone_otp: 'phone code',
  recovery_code: 'recovery code',
  manager_approval: 'manager approval',
  second_agent: 'second help-desk agent',
  security_team: 'security team',
  device_challenge: 'device push',
  supervised_proofing: 'in-person check',
  idv_ial2: 'identity verification',
};

/** A human label for an evidence kind. */
export function evidenceLabel(kind: string): string {
  return EVIDENCE_LABEL[kind] ?? kind;
}

/** The status card at the top of every case page. */
export function statusCard(c: CaseView, heading: string): string {
  const tone =
    c.state === 'completed'
      ? 'ok'
      : ['denied', 'cancelled', 'expired', 'failed', 'repudiated'].includes(c.state)
        ? 'bad'
        : 'wait';
  return `<section class="card card-${tone}" aria-labelledby="status-title">
<div class="status-head"><h1 id="status-title">${esc(heading)}</h1>${statePill(c.state)}</div>
${facts([
  ['Request', esc(actionLabel(c.action))],
  ['Account', esc(c.subjectLogin ?? c.facts?.login ?? c.subjectId)],
  ['Requested', when(c.createdAt)],
  ['Case', `<span class="mono">${esc(c.id)}</span>`],
])}
</section>`;
}

function ageDays(iso: string | null, now: Date): string {
  if (iso === null) return 'unknown';
  const days = Math.floor((now.getTime() - Date.parse(iso)) / 86_400_000);
  return days <= 0 ? 'today' : `${days} day${days === 1 ? '' : 's'}`;
}

/** How each admin role is held: direct or through a group, active or eligible, and where. */
function roleGrants(c: CaseView): string {
  const grants = c.facts?.adminRoleGrants ?? [];
  if (grants.length === 0) return '';
  const rows = grants.map(
    (g) =>
      `<li><span>${esc(g.role)}${g.via === null ? '' : ` through ${esc(g.via)}`} (${esc(g.scope)})</span><span>${pill(g.state === 'active' ? 'bad' : 'wait', g.state)}</span></li>`,
  );
  return `<h3>Admin roles held or eligible</h3>\n<ul class="steps">${rows.join('')}</ul>\n`;
}

/** Facts the gate could not read, why, and what to grant: unknown facts were taken as the riskier answer. */
function unreadableFacts(c: CaseView): string {
  const unreadable = c.facts?.unreadable ?? [];
  if (unreadable.length === 0) return '';
  const rows = unreadable.map(
    (u) =>
      `<li><span>${esc(u.fact)}: ${esc(u.endpoint)} was ${u.reason === 'forbidden' ? 'refused' : 'not answered'}</span><span>${u.permission ? `needs <span class="mono">${esc(u.permission)}</span>` : ''}</span></li>`,
  );
  return `<h3>Facts that could not be read (treated as the riskier answer)</h3>\n<ul class="steps">${rows.join('')}</ul>\n`;
}

/** Risk signals: tier, subject class, channel ages (masked), recent authenticator changes. */
export function riskSignals(c: CaseView, now: Date): string {
  const channels = (c.facts?.channels ?? []).map((ch) => {
    const young = ch.lastChangedAt === null || now.getTime() - Date.parse(ch.lastChangedAt) < 30 * 86_400_000;
    return `<li><span>${esc(ch.kind)} ${esc(maskAddress(ch.value))}${ch.isAccountMailbox ? ' (account mailbox)' : ''}</span>
<span>on file ${esc(ageDays(ch.lastChangedAt, now))} ${young ? pill('bad', 'recent change') : ''}</span></li>`;
  });
  const recent = (c.facts?.authenticators ?? []).filter(
    (a) => a.enrolledAt !== null && now.getTime() - Date.parse(a.enrolledAt) < 7 * 86_400_000,
  );
  const native = recent.map(
    (a) =>
      `<li><span>${esc(a.kind)} ${esc(a.label ?? '')}</span><span>added ${when(a.enrolledAt)} ${pill('bad', 'new')}</span></li>`,
  );
  const list = (items: readonly string[] | null | undefined) =>
    items === null ? 'unknown (could not be read)' : (items ?? []).join(', ') || 'none';
  return `${facts([
    ['Tier', esc(c.tier ?? 'none')],
    ['Subject class', esc(c.subjectClass ?? 'unknown')],
    ['Groups', esc(list(c.facts?.groups))],
    ['Admin roles', esc(list(c.facts?.adminRoles))],
    ['Account status', esc(c.facts?.status ?? 'unknown')],
  ])}
${roleGrants(c)}${unreadableFacts(c)}
<h3>Channels on file</h3>
<ul class="steps">${channels.join('') || '<li>None on file</li>'}</ul>
<h3>Recent sign-in method changes</h3>
<ul class="steps">${native.join('') || '<li>None in the last 7 days</li>'}</ul>`;
}

/** The evidence and approvals recorded so far; the subject sees who decided, not the approvers' reasons. */
export function evidenceList(c: CaseView, withReasons = true): string {
  const rows = [
    ...c.evidence.map(
      (e) =>
        `<li><span>${esc(evidenceLabel(e.kind))}${e.channelId ? ` <span class="mono">(${esc(e.channelId)})</span>` : ''}</span><span>${pill(e.outcome === 'passed' ? 'ok' : 'bad', e.outcome)} ${when(e.at)}</span></li>`,
    ),
    ...c.approvals.map((a) => {
      const who = `${a.role.replaceAll('_', ' ')} ${a.decision === 'approve' ? 'approved' : 'denied'}`;
      const reason = withReasons && a.reason ? `: ${a.reason}` : '';
      const tone = a.decision === 'approve' ? 'ok' : 'bad';
      return `<li><span>${esc(who + reason)}</span><span>${pill(tone, a.decision === 'approve' ? 'approved' : 'denied')} ${when(a.at)}</span></li>`;
    }),
  ];
  return `<ul class="steps">${rows.join('') || '<li>Nothing yet</li>'}</ul>`;
}

/** What the policy still misses, as the policy says it (the case view; subjects get `neededList`). */
export function missingList(c: CaseView): string {
  const unmet = c.decision?.unmet ?? [];
  if (unmet.length === 0) return '';
  const words = (u: string) =>
    u
      .replace(/^[A-Z_]+: /, '')
      .replace(/\b[a-z]+(?:_[a-z0-9]+)+\b/g, (k) => SHORT[k] ?? k.replaceAll('_', ' '));
  return `<p>Still needed:</p><ul>${unmet.map((u) => `<li>${esc(words(u))}</li>`).join('')}</ul>`;
}
