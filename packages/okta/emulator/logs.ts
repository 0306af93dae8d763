/**
 * System Log API: polling requests (no `until`, ascending, infinite `next` links) and bounded requests
 * (`since` + `until`, finite pages), `after` cursors, `filter`, `q`, `limit` up to 1000.
 * @see https://developer.okta.com/docs/reference/system-log-query/
 * @module
 */

import type { ServerResponse } from 'node:http';
import { type EmuContext, invalid, limitOf, linkHeader, OktaError, type OktaRequest, ok } from './context.js';
import { compileFilter, FilterSyntaxError, type Predicate } from './filter.js';
import type { Routes } from './routes.js';
import type { StoredLogEvent } from './state.js';

const WEEK = 7 * 24 * 3600_000;

function parseTime(value: string | null, name: string): number | null {
  if (value === null) return null;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw invalid(`${name}: not a valid ISO 8601 timestamp`);
  return ms;
}

function predicateOf(req: OktaRequest): Predicate {
  const filter = req.query.get('filter');
  const q = req.query.get('q');
  let byFilter: Predicate = () => true;
  if (filter) {
    try {
      byFilter = compileFilter(filter);
    } catch (error) {
      if (error instanceof FilterSyntaxError)
        throw new OktaError(400, 'E0000031', 'Invalid search criteria.', [error.message]);
      throw error;
    }
  }
  const terms = (q ?? '')
    .split(/\s+/)
    .filter((t) => t !== '')
    .map((t) => t.toLowerCase());
  return (event) => byFilter(event) && terms.every((t) => JSON.stringify(event).toLowerCase().includes(t));
}

function decodeAfter(token: string | null): number | null {
  if (token === null) return null;
  const match = /^s([0-9a-z]+)$/.exec(token);
  if (!match) throw invalid('after: not a cursor this org issued');
  return Number.parseInt(match[1] as string, 36);
}

function nextLink(ctx: EmuContext, req: OktaRequest, limit: number, after: string): string {
  const params = new URLSearchParams();
  for (const name of ['since', 'until', 'filter', 'q', 'sortOrder']) {
    const value = req.query.get(name);
    if (value !== null) params.set(name, value);
  }
  params.set('limit', String(limit));
  params.set('after', after);
  return `${ctx.baseUrl()}/api/v1/logs?${params.toString()}`;
}

function listLogs(ctx: EmuContext, req: OktaRequest, res: ServerResponse): void {
  const limit = limitOf(req, 100, 1000);
  const until = parseTime(req.query.get('until'), 'until');
  const since = parseTime(req.query.get('since'), 'since') ?? (until ?? ctx.now()) - WEEK;
  const sortOrder = req.query.get('sortOrder') ?? 'ASCENDING';
  if (sortOrder !== 'ASCENDING' && sortOrder !== 'DESCENDING')
    throw invalid('sortOrder: must be ASCENDING or DESCENDING');
  const matches = predicateOf(req);
  const after = decodeAfter(req.query.get('after'));
  const self = `${ctx.baseUrl()}${req.raw.url ?? '/api/v1/logs'}`;
  const log = ctx.state.log;

  if (until === null && sortOrder === 'ASCENDING') {
    // Polling request: ordered by persistence; there is always a next link, even on an empty page.
    const page: StoredLogEvent[] = [];
    let position = after ?? 0;
    let scanned = ctx.state.seq;
    for (let i = firstAfter(log, position); i < log.length; i++) {
      const stored = log[i] as StoredLogEvent;
      if (after === null && stored.publishedMs < since) continue;
      if (!matches(stored.event)) continue;
      page.push(stored);
      if (page.length === limit) {
        scanned = stored.seq;
        break;
      }
    }
    position = Math.max(position, scanned);
    const next = nextLink(ctx, req, limit, `s${position.toString(36)}`);
    ok(
      res,
      page.map((s) => s.event),
      200,
      { link: linkHeader(self, next) },
    );
    return;
  }

  // Bounded or descending request: ordered by `published`, finite pages; `after` is an offset here.
  const end = until ?? Number.POSITIVE_INFINITY;
  const all = log.filter((s) => s.publishedMs >= since && s.publishedMs < end && matches(s.event));
  all.sort((a, b) => (a.publishedMs - b.publishedMs || a.seq - b.seq) * (sortOrder === 'ASCENDING' ? 1 : -1));
  const offset = after ?? 0;
  const page = all.slice(offset, offset + limit);
  const more = offset + limit < all.length;
  const next = more ? nextLink(ctx, req, limit, `s${(offset + limit).toString(36)}`) : null;
  ok(
    res,
    page.map((s) => s.event),
    200,
    { link: linkHeader(self, next) },
  );
}

/** Index of the first stored event with `seq > position` (the log is sorted by seq). */
function firstAfter(log: readonly StoredLogEvent[], position: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((log[mid] as StoredLogEvent).seq <= position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Registers the System Log route. */
export function registerLogs(ctx: EmuContext, r: Routes): void {
  r('GET', '/api/v1/logs', 'okta.logs.read', (req, res) => listLogs(ctx, req, res));
}
