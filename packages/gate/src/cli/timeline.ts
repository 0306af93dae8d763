/**
 * A readable timeline of a case from its audit records: time, actor, step. Never a secret: the audit chain
 * holds none, and secret-looking keys are left out here as well.
 * @module
 */

import { type AuditRecord, isSecretKey } from '@recovery-gate/core';
import type { CaseView } from '../orchestrator/index.js';

/** Options of {@link formatTimeline}. */
export interface TimelineOptions {
  /** IdP ids to display names (`alice`), so the timeline reads as people. */
  readonly names?: ReadonlyMap<string, string>;
  /** Indentation of every line. @default '' */
  readonly indent?: string;
}

const SKIP = new Set(['caseId', 'idp', 'subjectId']);

function describeData(data: AuditRecord['data'], name: (id: string) => string): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (SKIP.has(key) || isSecretKey(key) || value === null) continue;
    if (typeof value === 'object') continue;
    const text = typeof value === 'string' ? name(value) : String(value);
    parts.push(`${key}=${text.length > 60 ? `${text.slice(0, 57)}...` : text}`);
  }
  const line = parts.join(' ');
  return line.length > 140 ? `${line.slice(0, 137)}...` : line;
}

function step(record: AuditRecord, subject: string, name: (id: string) => string): string {
  switch (record.type) {
    case 'step.issue':
      return `temporary credential issued (value never stored; ${describeData(record.data, name)})`;
    case 'step.deliver':
      // Keycloak mails its own action link: the gate never holds it, so it was never shown on a page.
      if (record.data.delivery === 'idp') {
        const to = typeof record.data.deliveredTo === 'string' ? ` to ${record.data.deliveredTo}` : '';
        return `credential sent by the identity provider${to}; the gate never saw it`;
      }
      return `credential shown once to ${subject} on the verification page`;
    default:
      return `${record.type}${Object.keys(record.data).length ? `  ${describeData(record.data, name)}` : ''}`;
  }
}

/** Formats a case and its audit records as lines `time  actor  step`. */
export function formatTimeline(
  view: CaseView | null,
  records: readonly AuditRecord[],
  options: TimelineOptions,
): string {
  const indent = options.indent ?? '';
  const name = (id: string): string => options.names?.get(id) ?? id;
  const subject =
    view === null
      ? 'the subject'
      : (options.names?.get(view.subjectId) ?? view.subjectLogin ?? view.subjectId);
  const lines: string[] = [];
  if (view !== null) {
    // Who asked, once the IdP has said (an Entra audit record can lag the request by minutes).
    const asker =
      view.kind !== 'recovery'
        ? ''
        : `  requested by ${view.requesterId === null ? '(not known yet)' : name(view.requesterId)}`;
    lines.push(
      `${indent}case ${view.id}  ${view.idp}  ${view.kind}  ${view.action}  subject ${name(view.subjectId)}${asker}  ` +
        `tier ${view.tier ?? '-'}  state ${view.state}${view.reason ? `  (${view.reason})` : ''}`,
    );
  }
  for (const record of records) {
    const time = record.at.slice(11, 23);
    const actor = record.actor === null ? '-' : name(record.actor);
    lines.push(`${indent}  ${time}  ${actor.padEnd(10)}  ${step(record, subject, name)}`);
  }
  return `${lines.join('\n')}\n`;
}
