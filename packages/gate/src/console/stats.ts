/**
 * The console's figures over a period, per IdP and tier: cases by outcome, time to restore access (median
 * and p90), denials and cancellations by reason, bypasses detected and remediated, reviews opened and
 * closed. Each is a list of labelled rows with one value per series, so a chart, a table and a CSV file
 * render the same numbers.
 * @module
 */

import type { Queryable } from '../types.js';
import { type CaseQuery, caseWhere, reasonLabel } from './query.js';

/** One row of a figure: a label and a value per series. */
export interface FigureRow {
  readonly label: string;
  readonly values: readonly number[];
}

/** One figure. */
export interface Figure {
  readonly id: string;
  readonly title: string;
  /** What the numbers are, for screen readers and the CSV. */
  readonly description: string;
  readonly series: readonly string[];
  readonly unit: string;
  readonly rows: readonly FigureRow[];
}

const IDPS = ['okta', 'entra', 'keycloak'] as const;
const OUTCOMES = ['completed', 'denied', 'cancelled', 'expired', 'failed', 'repudiated'] as const;

/** The value at quantile `q` (nearest rank) of sorted `values`. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? 0;
}

/** The period filters only (IdP, tier, dates): the figures choose kind and state themselves. */
function periodQuery(query: CaseQuery): CaseQuery {
  const { idp, tier, from, to } = query;
  return {
    ...(idp ? { idp } : {}),
    ...(tier ? { tier } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

async function byOutcome(q: Queryable, query: CaseQuery): Promise<Figure> {
  const params: unknown[] = [];
  const where = caseWhere(periodQuery(query), params);
  const rows = await q.query<{ state: string; idp: string; n: number }>(
    `SELECT c.state, c.idp, count(*) AS n FROM cases c WHERE c.kind = 'recovery' AND ${where} GROUP BY c.state, c.idp`,
    params,
  );
  const count = (state: string, idp: string) =>
    Number(rows.find((r) => r.state === state && r.idp === idp)?.n ?? 0);
  return {
    id: 'outcomes',
    title: 'Cases by outcome',
    description: 'Recovery cases opened in the period that ended in each outcome, per IdP.',
    series: [...IDPS],
    unit: 'cases',
    rows: OUTCOMES.map((o) => ({ label: o, values: IDPS.map((idp) => count(o, idp)) })),
  };
}

async function timeToRestore(q: Queryable, query: CaseQuery): Promise<Figure> {
  const params: unknown[] = [];
  const where = caseWhere(periodQuery(query), params);
  const rows = await q.query<{ idp: string; tier: string | null; seconds: number }>(
    `SELECT c.idp, c.tier, EXTRACT(EPOCH FROM (c.completed_at - c.created_at)) AS seconds FROM cases c
      WHERE c.kind = 'recovery' AND c.state = 'completed' AND c.completed_at IS NOT NULL AND ${where}`,
    params,
  );
  const groups = new Map<string, number[]>();
  for (const r of rows) {
    const key = `${r.idp} · ${r.tier ?? '-'}`;
    groups.set(key, [...(groups.get(key) ?? []), Number(r.seconds) / 60]);
  }
  return {
    id: 'restore',
    title: 'Time to restore access',
    description: 'Minutes from request to completed recovery, median and 90th percentile, per IdP and tier.',
    series: ['median', 'p90'],
    unit: 'minutes',
    rows: [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([label, values]) => {
        const sorted = [...values].sort((a, b) => a - b);
        const round = (v: number) => Math.round(v * 10) / 10;
        return { label, values: [round(quantile(sorted, 0.5)), round(quantile(sorted, 0.9))] };
      }),
  };
}

async function refusals(q: Queryable, query: CaseQuery): Promise<Figure> {
  const params: unknown[] = [];
  const where = caseWhere(periodQuery(query), params);
  const rows = await q.query<{ state: string; reason: string | null }>(
    `SELECT c.state, c.reason FROM cases c
      WHERE c.kind = 'recovery' AND c.state IN ('denied', 'cancelled', 'repudiated') AND ${where}`,
    params,
  );
  const counts = new Map<string, [number, number]>();
  for (const r of rows) {
    const label = r.state === 'repudiated' ? "this wasn't me (after completion)" : reasonLabel(r.reason);
    const pair = counts.get(label) ?? [0, 0];
    pair[r.state === 'denied' ? 0 : 1] += 1;
    counts.set(label, pair);
  }
  return {
    id: 'refusals',
    title: 'Denials and cancellations by reason',
    description:
      'Recovery cases denied by policy or cancelled (by the subject, the requester or a withdrawal), by reason.',
    series: ['denied', 'cancelled'],
    unit: 'cases',
    rows: [...counts.entries()]
      .sort(([, a], [, b]) => b[0] + b[1] - (a[0] + a[1]))
      .slice(0, 12)
      .map(([label, values]) => ({ label, values })),
  };
}

async function bypasses(q: Queryable, query: CaseQuery): Promise<Figure> {
  const params: unknown[] = [];
  const { tier: _tier, ...rest } = periodQuery(query);
  const where = caseWhere(rest, params);
  const rows = await q.query<{ idp: string; detected: number; remediated: number }>(
    `SELECT c.idp, count(*) AS detected,
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM case_journal j
                               WHERE j.case_id = c.id AND j.step = 'revoke' AND j.state = 'done')) AS remediated
       FROM cases c WHERE c.kind = 'incident' AND c.reason LIKE 'bypass:%' AND ${where} GROUP BY c.idp`,
    params,
  );
  return {
    id: 'bypasses',
    title: 'Bypasses detected and remediated',
    description:
      'Recoveries done in the IdP console around the gate, and those the gate remediated (enforce mode), per IdP.',
    series: ['detected', 'remediated'],
    unit: 'incidents',
    rows: IDPS.filter((idp) => !query.idp || idp === query.idp).map((idp) => {
      const r = rows.find((x) => x.idp === idp);
      return { label: idp, values: [Number(r?.detected ?? 0), Number(r?.remediated ?? 0)] };
    }),
  };
}

async function reviews(q: Queryable, query: CaseQuery): Promise<Figure> {
  const params: unknown[] = [];
  const range = (col: string) => {
    const parts: string[] = [];
    if (query.from) {
      params.push(`${query.from}T00:00:00Z`);
      parts.push(`${col} >= $${params.length}::timestamptz`);
    }
    if (query.to) {
      params.push(`${query.to}T00:00:00Z`);
      parts.push(`${col} < $${params.length}::timestamptz + interval '1 day'`);
    }
    return parts.length ? parts.join(' AND ') : 'TRUE';
  };
  const opened = range('r.opened_at');
  const closed = range('r.closed_at');
  const scope: string[] = [];
  if (query.idp) {
    params.push(query.idp);
    scope.push(`r.idp = $${params.length}`);
  }
  if (query.tier) {
    params.push(query.tier);
    scope.push(`r.tier = $${params.length}`);
  }
  const where = scope.length ? scope.join(' AND ') : 'TRUE';
  const rows = await q.query<{ kind: string; opened: number; closed: number }>(
    `SELECT r.kind, count(*) FILTER (WHERE ${opened}) AS opened,
            count(*) FILTER (WHERE r.state = 'closed' AND ${closed}) AS closed
       FROM gate_reviews r WHERE ${where} GROUP BY r.kind`,
    params,
  );
  const kinds = ['review_required', 'break_glass', 'bypass', 'repudiation'];
  return {
    id: 'reviews',
    title: 'Reviews opened and closed',
    description: 'Post-event reviews opened and closed in the period, by why they were opened.',
    series: ['opened', 'closed'],
    unit: 'reviews',
    rows: kinds.map((kind) => {
      const r = rows.find((x) => x.kind === kind);
      return { label: kind.replace('_', ' '), values: [Number(r?.opened ?? 0), Number(r?.closed ?? 0)] };
    }),
  };
}

/** Every figure of the period. */
export async function figures(q: Queryable, query: CaseQuery): Promise<Figure[]> {
  return [
    await byOutcome(q, query),
    await timeToRestore(q, query),
    await refusals(q, query),
    await bypasses(q, query),
    await reviews(q, query),
  ];
}
