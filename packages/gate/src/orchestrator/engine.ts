/**
 * `createOrchestrator`: the case engine behind the intake and the pages.
 * @module
 */

import { GateError, type NormalizedEvent } from '@recovery-gate/core';
import type { Orchestrator, OrchestratorDeps, SettleInTx } from '../types.js';
import { advance } from './advance.js';
import {
  type ApprovalInput,
  cancelCase,
  closeIncident,
  type EvidenceInput,
  recordApproval,
  recordEvidence,
} from './api.js';
import { type PendingChallenge, pendingChallenge, pollChallenges } from './challenges.js';
import { type ClaimedCredential, type ClaimOptions, claimCredential, confirmDelivery } from './claim.js';
import { type Ctx, createCtx, type EngineOptions } from './context.js';
import { handleBypass, handleBypassBatch } from './incident.js';
import { joinCanAdvance, joinOpenCases } from './join.js';
import {
  type ConsumedLink,
  type CreatedLink,
  consumeLinkHashRow,
  consumeLinkRow,
  createLinkRow,
  type LinkPurpose,
} from './links.js';
import type {
  ApprovalRecord,
  CaseRecord,
  CaseStateName,
  EvidenceRecord,
  JournalEntry,
  OpenCaseRequest,
} from './model.js';
import { insertCase, requestFromEvent, resolveRequest, withdraw } from './open.js';
import { createPolicyEngine, type PolicyEngineOptions } from './policy.js';
import { loadApprovals, loadCase, loadEvidence, loadJournal, toCase } from './repo.js';
import { orchestratorMigrations } from './schema.js';
import { tick } from './tick.js';
import { releaseCaseTimers } from './timers.js';

/** A case with everything recorded on it (never a secret). */
export interface CaseView extends CaseRecord {
  readonly evidence: readonly EvidenceRecord[];
  readonly approvals: readonly ApprovalRecord[];
  readonly journal: readonly JournalEntry[];
}

/** Filters for listing cases. */
export interface CaseFilter {
  readonly state?: CaseStateName;
  readonly idp?: string;
  readonly subjectId?: string;
  readonly kind?: 'recovery' | 'incident';
  /** @default 100 */
  readonly limit?: number;
}

/** The orchestrator with the case API the pages use. */
export interface CaseEngine extends Orchestrator {
  handleEventBatch(
    events: readonly NormalizedEvent[],
    settle?: SettleInTx,
  ): Promise<readonly NormalizedEvent[]>;
  /** Opens (or joins) a case for a request; returns the case, or null when a later withdrawal already cancelled it. */
  openCase(request: OpenCaseRequest): Promise<CaseRecord | null>;
  getCase(id: string): Promise<CaseView | null>;
  listCases(filter?: CaseFilter): Promise<CaseRecord[]>;
  recordEvidence(caseId: string, evidence: EvidenceInput): Promise<void>;
  recordApproval(caseId: string, approval: ApprovalInput): Promise<void>;
  /** Cancels a case, or repudiates a completed recovery (the incident that locks the account down runs at once). */
  cancel(caseId: string, by: { readonly by: string; readonly reason: string }): Promise<void>;
  /** Closes a repudiation incident after the security team reviewed it. */
  closeIncident(incidentId: string, by: { readonly by: string; readonly reason: string }): Promise<void>;
  /** Makes a single-use link for a person (null: any qualified member of the link's role). */
  createLink(
    caseId: string,
    personId: string | null,
    purpose: LinkPurpose,
    ttlSeconds: number,
  ): Promise<CreatedLink>;
  /** @throws GateError ERR_LINK_INVALID */
  consumeLink(token: string, purpose: LinkPurpose, personId: string): Promise<ConsumedLink>;
  /** {@link CaseEngine.consumeLink} by the token's SHA-256 (hex). @throws GateError ERR_LINK_INVALID */
  consumeLinkHash(tokenHash: string, purpose: LinkPurpose, personId: string): Promise<ConsumedLink>;
  /** Polls pending device challenges; returns how many were resolved. */
  pollChallenges(): Promise<number>;
  /** The number the subject's pending push asks them to pick (for the verification page only), or null. */
  pendingChallenge(caseId: string, subjectId: string): Promise<PendingChallenge | null>;
  /** Issues the temporary credential to the verified subject and returns it once. */
  claimCredential(
    caseId: string,
    subjectPersonId: string,
    options?: ClaimOptions,
  ): Promise<ClaimedCredential>;
  /** Confirms a `caller`-confirmed claim's credential delivered; false when it is no longer the live one. */
  confirmDelivery(caseId: string, subjectPersonId: string, credentialId: string | null): Promise<boolean>;
}

/** Options of the engine. */
export interface OrchestratorOptions extends EngineOptions {
  readonly policy?: PolicyEngineOptions;
}

async function onEvent(ctx: Ctx, event: NormalizedEvent): Promise<void> {
  switch (event.kind) {
    case 'recovery_requested': {
      if (event.action === null) {
        // Not retryable: record it and move on rather than failing the intake forever.
        await ctx.deps.audit.append({
          type: 'event.rejected',
          caseId: null,
          actor: event.actor.id,
          data: { event: event.id, kind: event.kind, why: 'no action' },
        });
        return;
      }
      const opened = await insertCase(ctx, requestFromEvent(event));
      const c = opened.caseRecord;
      if (c && (!opened.joined || joinCanAdvance(c, ctx.now()))) await advance(ctx, c.id);
      return;
    }
    case 'recovery_request_withdrawn':
      await withdraw(ctx, event);
      return;
    default: {
      const incident = await handleBypass(ctx, event);
      // In detect mode the incident is born completed: nothing to advance (a lock and a read saved per event).
      if (incident && ctx.policy.bypass.mode === 'enforce') await advance(ctx, incident);
    }
  }
}

/** Events the case engine handles one at a time (they open or withdraw recovery cases), joins aside. */
const ONE_AT_A_TIME: ReadonlySet<string> = new Set(['recovery_requested', 'recovery_request_withdrawn']);

/** Advances cases whose change is committed already: one that fails is resumed by the case timer. */
async function advanceCommitted(ctx: Ctx, ids: readonly string[], what: string): Promise<void> {
  for (const id of ids)
    await advance(ctx, id).catch((error: unknown) =>
      ctx.deps.logger.warn(`${what} not advanced; the case timer resumes it`, {
        caseId: id,
        error: error instanceof Error ? error.message : 'unknown',
      }),
    );
}

/** Joins open cases together; on failure (nothing written) leaves the requests to one-at-a-time handling. */
async function joinTogether(ctx: Ctx, events: readonly NormalizedEvent[], settle?: SettleInTx) {
  try {
    return await joinOpenCases(ctx, events, settle);
  } catch (error) {
    ctx.deps.logger.warn('joining cases together failed; handling the requests one at a time', {
      events: events.length,
      error: error instanceof Error ? error.message : 'unknown',
    });
    return new Map<NormalizedEvent, CaseRecord>();
  }
}

async function onEvents(
  ctx: Ctx,
  events: readonly NormalizedEvent[],
  settle?: SettleInTx,
): Promise<NormalizedEvent[]> {
  // Bypasses first: when they throw, nothing of the batch is written (nor settled).
  const bypasses = events.filter((e) => !ONE_AT_A_TIME.has(e.kind));
  const opened = bypasses.length === 0 ? [] : await handleBypassBatch(ctx, bypasses, settle);
  if (ctx.policy.bypass.mode === 'enforce') await advanceCommitted(ctx, opened, 'incident');
  // Then requests for a case already open, in one transaction of their own that also settles them.
  const joined = await joinTogether(ctx, events, settle);
  const now = ctx.now();
  const nudged = [...joined.values()].filter((c) => joinCanAdvance(c, now)).map((c) => c.id);
  await advanceCommitted(ctx, nudged, 'joined case');
  return events.filter((e) => ONE_AT_A_TIME.has(e.kind) && !joined.has(e));
}

async function listCases(ctx: Ctx, filter: CaseFilter): Promise<CaseRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, value: unknown) => {
    params.push(value);
    where.push(`${column} = $${params.length}`);
  };
  if (filter.state) add('state', filter.state);
  if (filter.idp) add('idp', filter.idp);
  if (filter.subjectId) add('subject_id', filter.subjectId);
  if (filter.kind) add('kind', filter.kind);
  params.push(Math.min(Math.max(filter.limit ?? 100, 1), 1000));
  const rows = await ctx.deps.store.query(
    `SELECT * FROM cases ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(toCase);
}

/** Creates the case engine. Run `store.migrate(orchestrator.migrations)` before use. */
export function createOrchestrator(deps: OrchestratorDeps, options: OrchestratorOptions = {}): CaseEngine {
  const ctx = createCtx(deps, createPolicyEngine(deps.policy, options.policy), options);
  return {
    migrations: orchestratorMigrations,
    handleEvent: (event) => onEvent(ctx, event),
    handleEventBatch: (events, settle) => onEvents(ctx, events, settle),
    tick: () => tick(ctx),
    releaseClaims: () => releaseCaseTimers(deps.store),
    async openCase(request) {
      const opened = await insertCase(ctx, await resolveRequest(ctx, request));
      if (!opened.caseRecord) return null;
      await advance(ctx, opened.caseRecord.id);
      return loadCase(deps.store, opened.caseRecord.id);
    },
    async getCase(id) {
      const c = await loadCase(deps.store, id);
      if (!c) return null;
      const [evidence, approvals, journal] = await Promise.all([
        loadEvidence(deps.store, id),
        loadApprovals(deps.store, id),
        loadJournal(deps.store, id),
      ]);
      return { ...c, evidence, approvals, journal };
    },
    listCases: (filter = {}) => listCases(ctx, filter),
    async recordEvidence(caseId, evidence) {
      await recordEvidence(ctx, caseId, evidence);
      await advance(ctx, caseId);
    },
    async recordApproval(caseId, approval) {
      const seen = await recordApproval(ctx, caseId, approval);
      await advance(ctx, caseId, seen ?? undefined);
    },
    async cancel(caseId, by) {
      const incident = await cancelCase(ctx, caseId, by);
      if (incident) await advance(ctx, incident);
    },
    async closeIncident(incidentId, by) {
      await closeIncident(ctx, incidentId, by);
      await advance(ctx, incidentId);
    },
    async createLink(caseId, personId, purpose, ttlSeconds) {
      if (!(await loadCase(deps.store, caseId)))
        throw new GateError('ERR_CASE_NOT_FOUND', undefined, { details: { caseId } });
      return createLinkRow(deps.store, {
        caseId,
        personId,
        purpose,
        ttlSeconds,
        now: ctx.now(),
        baseUrl: deps.baseUrl,
      });
    },
    consumeLink: (token, purpose, personId) =>
      deps.store.transaction((tx) => consumeLinkRow(tx, token, purpose, personId, ctx.now())),
    consumeLinkHash: (tokenHash, purpose, personId) =>
      deps.store.transaction((tx) => consumeLinkHashRow(tx, tokenHash, purpose, personId, ctx.now())),
    async pollChallenges() {
      const resolved = await pollChallenges(ctx);
      return resolved;
    },
    pendingChallenge: (caseId, subjectId) => pendingChallenge(ctx, caseId, subjectId),
    claimCredential: (caseId, subjectPersonId, options) =>
      claimCredential(ctx, caseId, subjectPersonId, options),
    confirmDelivery: (caseId, subjectPersonId, credentialId) =>
      confirmDelivery(ctx, caseId, subjectPersonId, credentialId),
  };
}
