/**
 * The console's case filters: parsed from the query string against closed sets (IdP, state, action) and
 * bounded text (tier, subject, dates), then turned into parameterised SQL. No input is ever spliced into
 * the statement: a filter value is always a `$n` parameter, and `%`, `_` and `\` in the subject are
 * escaped for ILIKE.
 * @module
 */

import {
  CASE_STATES,
  type CaseState,
  type IdpKind,
  RECOVERY_ACTIONS,
  type RecoveryAction,
} from '@recovery-gate/core';
import type { CaseRecord } from '../orchestrator/index.js';
import { toCase } from '../orchestrator/repo.js';
import type { Queryable } from '../types.js';

const IDPS: readonly IdpKind[] = ['okta', 'entra', 'keycloak'];
const ACTIONS: readonly RecoveryAction[] = RECOVERY_ACTIONS;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A validated set of case filters (every field optional). */
export interface CaseQuery {
  readonly idp?: IdpKind;
  readonly state?: CaseState;
  readonly tier?: string;
  readonly action?: RecoveryAction;
  /** Part of the subject's login, or their exact IdP id. */
  readonly subject?: string;
  readonly kind?: 'recovery' | 'incident';
  /** First day (UTC, inclusive), `YYYY-MM-DD`. */
  readonly from?: string;
  /** Last day (UTC, inclusive), `YYYY-MM-DD`. */
  readonly to?: string;
}

/** The filters with what was refused, by name. */
export interface ParsedQuery {
  readonly query: CaseQuery;
  /** One message per refused filter; a query with errors matches nothing. */
  readonly errors: readonly string[];
}

/** The names of the filters (also the query-string keys). */
export const FILTER_KEYS = ['idp', 'state', 'tier', 'action', 'subject', 'kind', 'from', 'to'] as const;

function validDate(value: string): boolean {
  return DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

/** Reads the filters from a query string; empty values are no filter. */
export function parseCaseQuery(params: URLSearchParams): ParsedQuery {
  const out: Record<string, string> = {};
  const errors: string[] = [];
  const pick = (key: string, ok: (v: string) => boolean, why: string) => {
    const v = (params.get(key) ?? '').trim();
    if (v === '') return;
    if (ok(v)) out[key] = v;
    else errors.push(`${key}: ${why}`);
  };
  pick('idp', (v) => (IDPS as readonly string[]).includes(v), `expected one of ${IDPS.join(', ')}`);
  pick('state', (v) => (CASE_STATES as readonly string[]).includes(v), 'not a case state');
  pick('action', (v) => (ACTIONS as readonly string[]).includes(v), 'not a recovery action');
  pick('kind', (v) => v === 'recovery' || v === 'incident', 'expected recovery or incident');
  pick('tier', (v) => v.length <= 64, 'at most 64 characters');
  pick('subject', (v) => v.length <= 200, 'at most 200 characters');
  pick('from', validDate, 'expected a date as YYYY-MM-DD');
  pick('to', validDate, 'expected a date as YYYY-MM-DD');
  return { query: out as CaseQuery, errors };
}

/** The query as a query string (for links: export, paging, charts). */
export function queryString(query: CaseQuery): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const v = query[key];
    if (v !== undefined) params.set(key, v);
  }
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/** Escapes `%`, `_` and `\` so a subject is matched literally by ILIKE ... ESCAPE '\'. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The WHERE clause and parameters of `query` (columns of `cases`, aliased `c`). */
export function caseWhere(query: CaseQuery, params: unknown[]): string {
  const where: string[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replaceAll('?', `$${params.length}`));
  };
  if (query.idp) add('c.idp = ?', query.idp);
  if (query.state) add('c.state = ?', query.state);
  if (query.tier) add('c.tier = ?', query.tier);
  if (query.action) add('c.action = ?', query.action);
  if (query.kind) add('c.kind = ?', query.kind);
  if (query.subject) {
    params.push(likePattern(query.subject), query.subject);
    where.push(
      `(c.subject_login ILIKE $${params.length - 1} ESCAPE '\\' OR c.subject_id = $${params.length})`,
    );
  }
  if (query.from) add('c.created_at >= ?::timestamptz', `${query.from}T00:00:00Z`);
  if (query.to) add(`c.created_at < ?::timestamptz + interval '1 day'`, `${query.to}T00:00:00Z`);
  return where.length === 0 ? 'TRUE' : where.join(' AND ');
}

/** Cases matching `query`, newest first. */
export async function findCases(q: Queryable, query: CaseQuery, limit = 500): Promise<CaseRecord[]> {
  const params: unknown[] = [];
  const where = caseWhere(query, params);
  params.push(Math.min(Math.max(limit, 1), 5000));
  const rows = await q.query(
    `SELECT c.* FROM cases c WHERE ${where} ORDER BY c.created_at DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(toCase);
}

/** The short reason of a denial or cancellation: the policy code, or what the person said. */
export function reasonLabel(reason: string | null): string {
  const first = (reason ?? '').split(';')[0]?.trim() ?? '';
  if (first === '') return 'unspecified';
  if (first.startsWith('subject: ')) return first.slice('subject: '.length).slice(0, 60);
  const colon = first.indexOf(':');
  return (colon > 0 ? first.slice(0, colon) : first).trim().slice(0, 60);
}
