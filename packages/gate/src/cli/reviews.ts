/**
 * `recovery-gate reviews list|show <id>|close <id>`: the post-event reviews in the store. Closing reads the
 * reviewer's groups from the IdP the console signs in with (`pages.viewer.idp`, else the review's own IdP).
 * @module
 */

import { GateError } from '@recovery-gate/core';
import { createAuditLog, listAudit } from '../audit/index.js';
import { silentLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { createOutboxNotifier, transportsFromConfig } from '../notify/index.js';
import {
  closeReview,
  getReview,
  inGroups,
  isOverdue,
  listReviews,
  type ReviewRecord,
} from '../reviews/index.js';
import { cliProviders, loadCliConfig, openCliStore } from './context.js';
import { type CliIo, EXIT, UsageError } from './io.js';

/** Options of `reviews`. */
export interface ReviewsOptions {
  readonly config?: string;
  readonly json?: boolean;
  readonly state?: string;
  readonly by?: string;
  readonly outcome?: string;
  readonly note?: string;
}

function line(r: ReviewRecord, now: Date): string {
  const status = r.state === 'closed' ? `closed ${r.outcome ?? ''}` : isOverdue(r, now) ? 'OVERDUE' : 'open';
  return `${r.id}  ${r.kind.padEnd(15)}  ${r.idp}  ${r.subjectLogin ?? r.subjectId}  case ${r.caseId}  due ${r.dueAt}  ${status}\n`;
}

function details(r: ReviewRecord, now: Date): string {
  const rows: [string, string][] = [
    ['review', r.id],
    ['kind', r.kind],
    ['case', r.caseId],
    ['idp', r.idp],
    ['subject', r.subjectLogin ?? r.subjectId],
    ['action', r.action],
    ['tier', r.tier ?? '-'],
    ['assigned to', r.reviewerGroup],
    ['opened', r.openedAt],
    ['due', `${r.dueAt}${isOverdue(r, now) ? ' (overdue, escalated)' : ''}`],
    ['state', r.state],
  ];
  if (r.state === 'closed')
    rows.push(
      ['closed', `${r.closedAt ?? ''} by ${r.closedBy ?? ''}`],
      ['outcome', r.outcome ?? ''],
      ['note', r.note ?? ''],
    );
  return `${rows.map(([k, v]) => `${k.padEnd(12)} ${v}`).join('\n')}\n\n${r.summary}\n`;
}

/** `reviews list [--state open|closed] [--json]`, `reviews show <id> [--json]`, `reviews close <id> --by --outcome --note`. */
export async function reviews(
  sub: string | undefined,
  id: string | undefined,
  options: ReviewsOptions,
  io: CliIo,
): Promise<number> {
  if (sub !== 'list' && sub !== 'show' && sub !== 'close')
    throw new UsageError('expected `reviews list`, `reviews show <id>` or `reviews close <id>`');
  if (sub !== 'list' && id === undefined) throw new UsageError(`\`reviews ${sub}\` needs a review id`);
  if (options.state !== undefined && options.state !== 'open' && options.state !== 'closed')
    throw new UsageError('--state must be open or closed');
  if (
    sub === 'close' &&
    (options.by === undefined || options.outcome === undefined || options.note === undefined)
  )
    throw new UsageError(
      '`reviews close` needs --by <reviewer>, --outcome legitimate|misuse|needs_follow_up and --note <text>',
    );
  const loaded = await loadCliConfig(options.config, io);
  const store = await openCliStore(loaded, io);
  const now = new Date();
  try {
    if (sub === 'list') {
      const rows = await listReviews(
        store,
        options.state ? { state: options.state as 'open' | 'closed' } : {},
        now,
      );
      if (options.json === true) io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
      else if (rows.length === 0) io.stdout('No reviews.\n');
      else for (const r of rows) io.stdout(line(r, now));
      return EXIT.ok;
    }
    const review = await getReview(store, id as string);
    if (!review)
      throw new GateError('ERR_CASE_NOT_FOUND', `no review ${id}; run \`recovery-gate reviews list\``);
    if (sub === 'show') {
      const audit = await listAudit(store, { caseId: review.caseId });
      if (options.json === true) io.stdout(`${JSON.stringify({ review, audit }, null, 2)}\n`);
      else io.stdout(details(review, now));
      return EXIT.ok;
    }
    const providers = await cliProviders(loaded, io);
    const provider = providers.get(loaded.config.pages?.viewer.idp ?? review.idp);
    const person = await provider?.findUser(options.by as string).catch(() => null);
    if (!provider || !person)
      throw new GateError('ERR_USER_NOT_FOUND', `--by ${options.by}: no such person in the reviewers' IdP`);
    const metrics = createMetrics();
    const notifier = createOutboxNotifier({
      store,
      transports: transportsFromConfig(loaded.config.notifications),
      logger: silentLogger,
      metrics,
      now: () => new Date(),
    });
    try {
      const closed = await closeReview(
        { store, audit: createAuditLog(store, () => new Date()), notifier, metrics, now: () => new Date() },
        review.id,
        { by: person.id, outcome: options.outcome as string, note: options.note as string },
        (who) => inGroups(provider, who, loaded.config.reviews.reviewerGroups),
      );
      if (options.json === true) io.stdout(`${JSON.stringify(closed, null, 2)}\n`);
      else io.stdout(`review ${closed.id} closed as ${closed.outcome} by ${person.login}\n`);
    } finally {
      await notifier.close();
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
