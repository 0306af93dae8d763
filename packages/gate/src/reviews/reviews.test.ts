import { randomUUID } from 'node:crypto';
import { baselinePolicy } from '@recovery-gate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog, listAudit, verifyAudit } from '../audit/index.js';
import { silentLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { createOutboxNotifier } from '../notify/index.js';
import { orchestratorMigrations } from '../orchestrator/index.js';
import { GATE_MIGRATIONS } from '../store/index.js';
import { type TestLocation, testLocation } from '../testing/stores.js';
import type { Metrics, Notification, Store } from '../types.js';
import { closeReview, getReview, listReviews, type ReviewDeps, sweepReviews } from './index.js';

const HOUR = 3_600_000;
const SETTINGS = { reviewerGroups: ['SecurityTeam'], dueSeconds: 72 * 3600, remindSeconds: 24 * 3600 };

let location: TestLocation;
let store: Store;
let clock: { now: Date };
let sent: Notification[];
let metrics: Metrics;
let deps: ReviewDeps;

beforeEach(async () => {
  location = await testLocation('pglite');
  store = await location.open();
  await store.migrate([...GATE_MIGRATIONS, ...orchestratorMigrations]);
  clock = { now: new Date('2026-12-01T10:00:00Z') };
  sent = [];
  metrics = createMetrics();
  // The real outbox: its idempotency keys are what keeps a notice from going twice.
  const notifier = createOutboxNotifier({
    store,
    transports: { security: { deliver: async (n) => void sent.push(n) } },
    logger: silentLogger,
    metrics,
    now: () => clock.now,
  });
  deps = { store, audit: createAuditLog(store, () => clock.now), notifier, metrics, now: () => clock.now };
});

afterEach(async () => {
  await store.close();
  await location.cleanup();
});

/** Inserts a case row as the engine leaves it, with its approvals. */
async function seedCase(c: {
  kind?: 'recovery' | 'incident';
  tier?: string | null;
  action?: string;
  state: string;
  reason?: string;
  requester?: string;
  approvers?: string[];
}): Promise<string> {
  const id = randomUUID();
  const at = clock.now.toISOString();
  await store.query(
    `INSERT INTO cases (id, kind, idp, subject_id, subject_login, action, requester_id, state, tier, reason, created_at, updated_at)
     VALUES ($1, $2, 'okta', 'u-carol', 'carol@example.com', $3, $4, $5, $6, $7, $8, $8)`,
    [
      id,
      c.kind ?? 'recovery',
      c.action ?? 'mfa_reset',
      c.requester ?? 'u-agent',
      c.state,
      c.tier ?? null,
      c.reason ?? null,
      at,
    ],
  );
  for (const p of c.approvers ?? [])
    await store.query(
      `INSERT INTO case_approvals (case_id, person_id, role, decision, at) VALUES ($1, $2, 'security_team', 'approve', $3)`,
      [id, p, at],
    );
  return id;
}

const sweep = () => sweepReviews(deps, SETTINGS, baselinePolicy);
const gauge = (name: string, kind: string) =>
  metrics.render().match(new RegExp(`^${name}\\{kind="${kind}"\\} (\\d+)$`, 'm'))?.[1];

describe('opening reviews', () => {
  it('opens one per finished reviewed-tier case, break-glass use and incident, and none for other tiers', async () => {
    const t4 = await seedCase({ tier: 'T4', state: 'completed' });
    const bg = await seedCase({ tier: 'BREAK_GLASS', action: 'emergency_access', state: 'completed' });
    const bypass = await seedCase({
      kind: 'incident',
      state: 'completed',
      reason: 'bypass:native_password_reset',
    });
    const repudiation = await seedCase({ kind: 'incident', state: 'executing', reason: `repudiation:${t4}` });
    await seedCase({ tier: 'T1', state: 'completed' });
    await seedCase({ tier: 'T4', state: 'held' }); // still running: reviewed once it ends
    expect(await sweep()).toMatchObject({ opened: 4 });
    expect(await sweep()).toMatchObject({ opened: 0 });
    const byCase = new Map((await listReviews(store, {}, clock.now)).map((r) => [r.caseId, r.kind]));
    expect(Object.fromEntries(byCase)).toEqual({
      [t4]: 'review_required',
      [bg]: 'break_glass',
      [bypass]: 'bypass',
      [repudiation]: 'repudiation',
    });
    const opened = sent.filter((n) => n.idempotencyKey.endsWith(':opened'));
    expect(opened).toHaveLength(4);
    expect(opened.every((n) => n.to.kind === 'security')).toBe(true);
    expect((await listAudit(store, { caseId: bg })).map((r) => r.type)).toContain('review.opened');
    expect(gauge('recovery_reviews_open', 'break_glass')).toBe('1');
    expect(gauge('recovery_reviews_overdue', 'misuse')).toBeUndefined(); // closed label set: kinds only
    expect(gauge('recovery_reviews_overdue', 'bypass')).toBe('0');
  });

  it('reminds before due, escalates to security after, once per notice however many sweeps run', async () => {
    const id = await seedCase({ tier: 'T4', state: 'completed' });
    await sweep();
    const [review] = await listReviews(store, { caseId: id }, clock.now);
    if (!review) throw new Error('no review');
    clock.now = new Date(clock.now.getTime() + 24 * HOUR);
    await Promise.all([sweep(), sweep(), sweep()]);
    expect(sent.filter((n) => n.subject.startsWith('Reminder'))).toHaveLength(1);
    clock.now = new Date(clock.now.getTime() + 48 * HOUR);
    await Promise.all([sweep(), sweep()]);
    const escalations = sent.filter((n) => n.subject.startsWith('ESCALATION'));
    expect(escalations).toHaveLength(1);
    expect(escalations[0]?.to).toEqual({ kind: 'security' });
    expect((await getReview(store, review.id))?.escalatedAt).toBe(clock.now.toISOString());
    expect(gauge('recovery_reviews_overdue', 'review_required')).toBe('1');
    await sweep();
    expect(sent.filter((n) => n.subject.startsWith('ESCALATION'))).toHaveLength(1);
    clock.now = new Date(clock.now.getTime() + 24 * HOUR);
    await sweep();
    expect(sent.filter((n) => n.subject.startsWith('ESCALATION'))).toHaveLength(2);
    expect(
      (await listAudit(store, { caseId: id })).filter((r) => r.type === 'review.escalated'),
    ).toHaveLength(1);
  });
});

describe('closing a review', () => {
  const reviewers = new Set(['u-sam', 'u-sara', 'u-ivan']);
  const isReviewer = async (who: string) => reviewers.has(who);

  async function openReview(approvers: string[]): Promise<string> {
    const caseId = await seedCase({ tier: 'T4', state: 'completed', approvers });
    await sweep();
    const [r] = await listReviews(store, { caseId }, clock.now);
    if (!r) throw new Error('no review');
    return r.id;
  }

  it('refuses a reviewer who took part in the case, and leaves the review open', async () => {
    const id = await openReview(['u-ivan']);
    await expect(
      closeReview(deps, id, { by: 'u-ivan', outcome: 'legitimate', note: 'fine' }, isReviewer),
    ).rejects.toMatchObject({ code: 'ERR_SEPARATION_OF_DUTIES' });
    await expect(
      closeReview(deps, id, { by: 'u-carol', outcome: 'legitimate', note: 'mine' }, async () => true),
    ).rejects.toMatchObject({ code: 'ERR_SEPARATION_OF_DUTIES' });
    expect((await getReview(store, id))?.state).toBe('open');
  });

  it('refuses someone outside the reviewer groups, a bad outcome and an empty note', async () => {
    const id = await openReview([]);
    await expect(
      closeReview(deps, id, { by: 'u-vic', outcome: 'legitimate', note: 'ok' }, isReviewer),
    ).rejects.toMatchObject({ code: 'ERR_APPROVER_NOT_ELIGIBLE' });
    await expect(
      closeReview(deps, id, { by: 'u-sam', outcome: 'fine', note: 'ok' }, isReviewer),
    ).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
    await expect(
      closeReview(deps, id, { by: 'u-sam', outcome: 'misuse', note: '   ' }, isReviewer),
    ).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
    expect((await getReview(store, id))?.state).toBe('open');
  });

  it('closes with an outcome and a note, audited; no reminder follows and a second close is refused', async () => {
    const id = await openReview(['u-ivan']);
    const closed = await closeReview(
      deps,
      id,
      { by: 'u-sam', outcome: 'needs_follow_up', note: 'Check the new phone with carol.' },
      isReviewer,
    );
    expect(closed).toMatchObject({ state: 'closed', outcome: 'needs_follow_up', closedBy: 'u-sam' });
    await expect(
      closeReview(deps, id, { by: 'u-sara', outcome: 'legitimate', note: 'again' }, isReviewer),
    ).rejects.toMatchObject({ code: 'ERR_CASE_ILLEGAL_TRANSITION' });
    const records = await listAudit(store, { caseId: closed.caseId });
    expect(records.find((r) => r.type === 'review.closed')).toMatchObject({
      actor: 'u-sam',
      data: { outcome: 'needs_follow_up' },
    });
    expect((await verifyAudit(store)).ok).toBe(true);
    clock.now = new Date(clock.now.getTime() + 100 * HOUR);
    await sweep();
    expect(sent.some((n) => n.subject.startsWith('ESCALATION'))).toBe(false);
    expect(gauge('recovery_reviews_open', 'review_required')).toBe('0');
  });
});
