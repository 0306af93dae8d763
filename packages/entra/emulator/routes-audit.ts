/**
 * `/auditLogs/directoryAudits`: `$filter` (activityDateTime, activityDisplayName, initiatedBy, targetResources),
 * `$orderby activityDateTime` (newest first by default, as Graph) and skiptoken paging.
 * @module
 */

import { auditVisible } from './audit.js';
import { compileFilter } from './filter.js';
import { badRequest, type Ctx, notFound, page, type Reply, type Route } from './http.js';

function listAudits(ctx: Ctx): Reply {
  const filter = ctx.query.get('$filter');
  const predicate = filter ? compileFilter(filter) : () => true;
  const orderby = (ctx.query.get('$orderby') ?? 'activityDateTime desc').trim();
  const match = /^activityDateTime( asc| desc)?$/.exec(orderby);
  if (!match) throw badRequest(`Unsupported $orderby '${orderby}'.`, 'BadRequest');
  const ascending = match[1] !== ' desc';
  const now = ctx.env.now();
  const indexed = ctx.env.tenant.audits
    .map((record, index) => ({ record, index }))
    .filter(({ record }) => auditVisible(ctx.env.tenant, record, now));
  indexed.sort((a, b) => {
    const byTime = a.record.activityDateTime.localeCompare(b.record.activityDateTime) || a.index - b.index;
    return ascending ? byTime : -byTime;
  });
  const items = indexed.map((entry) => entry.record).filter((record) => predicate(record));
  return page(ctx, items, 'auditLogs/directoryAudits');
}

/** The audit routes. */
export const auditRoutes: readonly Route[] = [
  { method: 'GET', template: '/auditLogs/directoryAudits', handler: listAudits },
  {
    method: 'GET',
    template: '/auditLogs/directoryAudits/:id',
    handler: (ctx) => {
      const record = ctx.env.tenant.audits.find((r) => r.id === ctx.params.id);
      if (!record || !auditVisible(ctx.env.tenant, record, ctx.env.now()))
        throw notFound(ctx.params.id ?? '');
      return { status: 200, body: record };
    },
  },
];
