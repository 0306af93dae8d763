/**
 * The case status card and the risk signals, shared by the verification, approval and case pages.
 * @module
 */

import { maskAddress } from '../log.js';
import type { CaseView } from '../orchestrator/index.js';
import { actionLabel, facts, html, pill, type SafeHtml, statePill, when } from './html.js';

const EVIDENCE_LABEL: Readonly<Record<string, string>> = {
  device_challenge: 'Approved a push on a registered device',
  oidc_step_up: 'Signed in with multi-factor authentication',
  phone_otp: 'Entered a code sent to a phone on file',
  recovery_code: 'Entered a saved recovery code',
  idp_recovery_code: "Signed in with a saved recovery code of the IdP's own",
  idv_ial2: 'Identity verification (IAL2)',
  supervised_proofing: 'Identity checked in person by a security officer',
  manager_approval: 'Manager approval',
};

const SHORT: Readonly<Record<string, string>> = {
  oidc_step_up: 'MFA sign-in',
  phone_otp: 'phone code',
  recovery_code: 'recovery code',
  idp_recovery_code: 'IdP recovery code',
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
export function statusCard(c: CaseView, heading: string): SafeHtml {
  const tone =
    c.state === 'completed'
      ? 'ok'
      : ['denied', 'cancelled', 'expired', 'failed', 'repudiated'].includes(c.state)
        ? 'bad'
        : 'wait';
  return html`<section class="card card-${tone}" aria-labelledby="status-title">
<div class="status-head"><h1 id="status-title">${heading}</h1>${statePill(c.state)}</div>
${facts([
  ['Request', actionLabel(c.action)],
  ['Account', c.subjectLogin ?? c.facts?.login ?? c.subjectId],
  ['Requested', when(c.createdAt)],
  ['Case', html`<span class="mono">${c.id}</span>`],
])}
</section>`;
}

function ageDays(iso: string | null, now: Date): string {
  if (iso === null) return 'unknown';
  const days = Math.floor((now.getTime() - Date.parse(iso)) / 86_400_000);
  return days <= 0 ? 'today' : `${days} day${days === 1 ? '' : 's'}`;
}

/** How each admin role is held: direct or through a group, active or eligible, and where. */
function roleGrants(c: CaseView): SafeHtml | null {
  const grants = c.facts?.adminRoleGrants ?? [];
  if (grants.length === 0) return null;
  const rows = grants.map(
    (g) =>
      html`<li><span>${g.role}${g.via === null ? null : ` through ${g.via}`} (${g.scope})</span><span>${pill(g.state === 'active' ? 'bad' : 'wait', g.state)}</span></li>`,
  );
  return html`<h3>Admin roles held or eligible</h3>\n<ul class="steps">${rows}</ul>\n`;
}

/** Facts the gate could not read, why, and what to grant: unknown facts were taken as the riskier answer. */
function unreadableFacts(c: CaseView): SafeHtml | null {
  const unreadable = c.facts?.unreadable ?? [];
  if (unreadable.length === 0) return null;
  const rows = unreadable.map(
    (u) =>
      html`<li><span>${u.fact}: ${u.endpoint} was ${u.reason === 'forbidden' ? 'refused' : 'not answered'}</span><span>${u.permission ? html`needs <span class="mono">${u.permission}</span>` : null}</span></li>`,
  );
  return html`<h3>Facts that could not be read (treated as the riskier answer)</h3>\n<ul class="steps">${rows}</ul>\n`;
}

/** Risk signals: tier, subject class, channel ages (masked), recent authenticator changes. */
export function riskSignals(c: CaseView, now: Date): SafeHtml {
  const channels = (c.facts?.channels ?? []).map((ch) => {
    const young = ch.lastChangedAt === null || now.getTime() - Date.parse(ch.lastChangedAt) < 30 * 86_400_000;
    return html`<li><span>${ch.kind} ${maskAddress(ch.value)}${ch.isAccountMailbox ? ' (account mailbox)' : null}</span>
<span>on file ${ageDays(ch.lastChangedAt, now)} ${young ? pill('bad', 'recent change') : null}</span></li>`;
  });
  const recent = (c.facts?.authenticators ?? []).filter(
    (a) => a.enrolledAt !== null && now.getTime() - Date.parse(a.enrolledAt) < 7 * 86_400_000,
  );
  const native = recent.map(
    (a) =>
      html`<li><span>${a.kind} ${a.label ?? ''}</span><span>added ${when(a.enrolledAt)} ${pill('bad', 'new')}</span></li>`,
  );
  const list = (items: readonly string[] | null | undefined) =>
    items === null ? 'unknown (could not be read)' : (items ?? []).join(', ') || 'none';
  return html`${facts([
    ['Tier', c.tier ?? 'none'],
    ['Subject class', c.subjectClass ?? 'unknown'],
    ['Groups', list(c.facts?.groups)],
    ['Admin roles', list(c.facts?.adminRoles)],
    ['Account status', c.facts?.status ?? 'unknown'],
  ])}
${roleGrants(c)}${unreadableFacts(c)}
<h3>Channels on file</h3>
<ul class="steps">${channels.length > 0 ? channels : html`<li>None on file</li>`}</ul>
<h3>Recent sign-in method changes</h3>
<ul class="steps">${native.length > 0 ? native : html`<li>None in the last 7 days</li>`}</ul>`;
}

/** The evidence and approvals recorded so far; the subject sees who decided, not the approvers' reasons. */
export function evidenceList(c: CaseView, withReasons = true): SafeHtml {
  const rows = [
    ...c.evidence.map(
      (e) =>
        html`<li><span>${evidenceLabel(e.kind)}${e.channelId ? html` <span class="mono">(${e.channelId})</span>` : null}${e.outcome === 'failed' && typeof e.data.reason === 'string' ? `: ${e.data.reason}` : null}</span><span>${pill(e.outcome === 'passed' ? 'ok' : 'bad', e.outcome)} ${when(e.at)}</span></li>`,
    ),
    ...c.approvals.map((a) => {
      const who = `${a.role.replaceAll('_', ' ')} ${a.decision === 'approve' ? 'approved' : 'denied'}`;
      const reason = withReasons && a.reason ? `: ${a.reason}` : '';
      const tone = a.decision === 'approve' ? 'ok' : 'bad';
      return html`<li><span>${who + reason}</span><span>${pill(tone, a.decision === 'approve' ? 'approved' : 'denied')} ${when(a.at)}</span></li>`;
    }),
  ];
  return html`<ul class="steps">${rows.length > 0 ? rows : html`<li>Nothing yet</li>`}</ul>`;
}

/** What the policy still misses, as the policy says it (the case view; subjects get `neededList`). */
export function missingList(c: CaseView): SafeHtml | null {
  const unmet = c.decision?.unmet ?? [];
  if (unmet.length === 0) return null;
  const words = (u: string) =>
    u
      .replace(/^[A-Z_]+: /, '')
      .replace(/\b[a-z]+(?:_[a-z0-9]+)+\b/g, (k) => SHORT[k] ?? k.replaceAll('_', ' '));
  return html`<p>Still needed:</p><ul>${unmet.map((u) => html`<li>${words(u)}</li>`)}</ul>`;
}
