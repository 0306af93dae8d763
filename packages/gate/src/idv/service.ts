/**
 * Remote identity proofing for a case: start a verification with the tier's provider, bound to the case
 * by a fresh state and nonce; take its result (browser return or provider callback), apply the tier's
 * rules (core `evaluateIdv`) and record `idv_ial2` evidence, passed only when every rule holds, else
 * failed with the first reason. Unknown or finished cases, replays and forgeries change nothing. A
 * provider that is down leaves the attempt as it was ("try again later").
 * @module
 */

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  DEFAULT_IDV_RULES,
  evaluateIdv,
  evidenceKindsIn,
  GateError,
  type IdvProvider,
  type IdvReceived,
  type IdvResult,
  type IdvReturn,
  type IdvRules,
  type IdvVerdict,
  idvRecordOf,
  type Policy,
  parseDuration,
} from '@recovery-gate/core';
import type { CaseView } from '../orchestrator/index.js';
import type { Store } from '../types.js';

/** What the service needs. */
export interface IdvDeps {
  readonly store: Store;
  readonly engine: {
    getCase(id: string): Promise<CaseView | null>;
    recordEvidence(caseId: string, input: import('../orchestrator/api.js').EvidenceInput): Promise<void>;
  };
  readonly policy: Policy;
  readonly providers: ReadonlyMap<string, IdvProvider>;
  readonly now: () => Date;
  /** The gate's public URL (return and callback URLs hang off it). */
  readonly baseUrl: string;
}

/** The latest attempt of a case, as the pages show it. */
export interface IdvAttemptView {
  readonly provider: string;
  readonly status: 'started' | 'progress' | 'passed' | 'failed';
  /** Why it failed, in plain words (never personal data). */
  readonly reason: string | null;
  readonly startedAt: string;
}

/** What happened to a return or callback. */
export type IdvSettled =
  | {
      readonly outcome: 'recorded';
      readonly caseId: string;
      readonly counts: boolean;
      readonly reason: string | null;
    }
  | { readonly outcome: 'progress'; readonly caseId: string }
  | {
      readonly outcome: 'ignored';
      readonly caseId: string | null;
      readonly why: 'unknown' | 'finished' | 'replayed';
    };

/** The IDV service of the gate. */
export interface IdvService {
  /** The provider a case may verify with now (tier names idv_ial2, case verifying, provider configured), or null. */
  providerFor(c: CaseView): IdvProvider | null;
  /** Starts a verification; the URL to send the subject to. @throws ERR_IDV_UNAVAILABLE, ERR_CASE_ILLEGAL_TRANSITION */
  start(c: CaseView): Promise<string>;
  /** Handles the browser's return (`/verify/idv/return`). @throws ERR_IDV_UNAVAILABLE, ERR_IDV_RESPONSE_INVALID, ERR_LINK_INVALID */
  handleReturn(url: URL): Promise<IdvSettled>;
  /** Handles a provider callback. @throws ERR_HOOK_UNAUTHENTICATED, ERR_HOOK_MALFORMED, ERR_HOOK_TOO_LARGE */
  handleCallback(
    provider: string,
    headers: Readonly<Record<string, string | undefined>>,
    body: string,
  ): Promise<IdvSettled>;
  latest(caseId: string): Promise<IdvAttemptView | null>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const OPEN = new Set(['requested', 'verifying']);

/** The return URL the providers send the browser back to. */
export const IDV_RETURN_PATH = '/verify/idv/return';

interface AttemptRow extends Record<string, unknown> {
  id: string;
  case_id: string;
  provider: string;
  nonce: string;
  request_id: string | null;
  pending: unknown;
  status: IdvAttemptView['status'];
  reason: string | null;
  started_at: unknown;
}

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

/** The evidence detail and audit data: provider, transaction, level, checks, score; never personal data. */
function detailOf(result: IdvResult, verdict: IdvVerdict): Record<string, string | number | boolean | null> {
  return {
    method: 'remote_idv',
    provider: result.provider,
    transactionId: result.transactionId,
    trustFramework: result.trustFramework,
    assuranceLevel: result.assuranceLevel,
    documentType: result.document?.type ?? null,
    faceMatchScore: result.biometric?.score ?? null,
    checksPassed: verdict.passed.join(','),
    checksFailed: verdict.failed.map((f) => f.check).join(','),
    reason: verdict.failed[0]?.reason ?? null,
  };
}

/** Creates the service. */
export function createIdvService(deps: IdvDeps): IdvService {
  const tierOf = (c: CaseView) => (c.tier === null ? undefined : deps.policy.tiers[c.tier]);
  const rulesOf = (c: CaseView): IdvRules => tierOf(c)?.idv ?? DEFAULT_IDV_RULES;
  const providerFor = (c: CaseView): IdvProvider | null => {
    const tier = tierOf(c);
    if (!tier?.evidence || !evidenceKindsIn(tier.evidence).includes('idv_ial2') || !OPEN.has(c.state))
      return null;
    const named = rulesOf(c).provider;
    if (named !== undefined) return deps.providers.get(named) ?? null;
    return deps.providers.size === 1 ? ([...deps.providers.values()][0] ?? null) : null;
  };

  const attemptByState = async (state: string) =>
    (
      await deps.store.query<AttemptRow>('SELECT * FROM idv_attempts WHERE state_hash = $1', [sha256(state)])
    )[0] ?? null;

  const finish = async (a: AttemptRow, status: 'passed' | 'failed' | 'progress', reason: string | null) => {
    await deps.store.query(
      `UPDATE idv_attempts SET status = $2, reason = $3, pending = $4, updated_at = $5 WHERE id = $1`,
      [
        a.id,
        status,
        reason,
        status === 'progress' ? JSON.stringify(a.pending ?? {}) : '{}',
        deps.now().toISOString(),
      ],
    );
  };

  /** Claims an open attempt for its result: only one return or callback ever settles it. */
  const claim = async (a: AttemptRow): Promise<boolean> => {
    const rows = await deps.store.query(
      `UPDATE idv_attempts SET status = 'failed', reason = 'settling', updated_at = $2
        WHERE id = $1 AND status IN ('started', 'progress') RETURNING id`,
      [a.id, deps.now().toISOString()],
    );
    return rows.length === 1;
  };

  const settle = async (received: IdvReceived, expectedProvider: string): Promise<IdvSettled> => {
    const state = received.status === 'completed' ? received.result.binding.state : received.state;
    const a = state === null ? null : await attemptByState(state);
    if (!a || a.provider !== expectedProvider) return { outcome: 'ignored', caseId: null, why: 'unknown' };
    if (a.status === 'passed' || a.status === 'failed')
      return { outcome: 'ignored', caseId: a.case_id, why: 'replayed' };
    const c = await deps.engine.getCase(a.case_id);
    if (!c || !OPEN.has(c.state)) {
      if (c && (await claim(a))) await finish(a, 'failed', 'the recovery had already ended');
      return { outcome: 'ignored', caseId: a.case_id, why: 'finished' };
    }
    if (received.status === 'progress') {
      await finish(a, 'progress', null);
      return { outcome: 'progress', caseId: c.id };
    }
    if (!(await claim(a))) return { outcome: 'ignored', caseId: c.id, why: 'replayed' };
    if (received.status === 'failed') {
      const reason = `the provider could not verify you (${received.reason})`;
      await finish(a, 'failed', reason);
      await deps.engine.recordEvidence(c.id, {
        kind: 'idv_ial2',
        by: c.subjectId,
        outcome: 'failed',
        detail: { method: 'remote_idv', provider: a.provider, transactionId: received.transactionId, reason },
      });
      return { outcome: 'recorded', caseId: c.id, counts: false, reason };
    }
    const result = received.result;
    const used = await deps.store.query(
      `INSERT INTO idv_transactions (provider, transaction_id, case_id, used_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (provider, transaction_id) DO NOTHING RETURNING transaction_id`,
      [a.provider, result.transactionId, c.id, deps.now().toISOString()],
    );
    const rules = rulesOf(c);
    const tier = tierOf(c);
    const verdict = evaluateIdv(result, {
      rules,
      record: idvRecordOf(c.facts?.attributes ?? {}, rules),
      expected: {
        provider: a.provider,
        state: state as string,
        nonce: result.kind === 'oidc_ia' ? a.nonce : null,
        requestId: a.request_id,
        startedAt: iso(a.started_at),
      },
      now: deps.now().toISOString(),
      maxAgeMs: parseDuration(tier?.freshness.evidenceMaxAge ?? '15m'),
      replayed: used.length === 0,
    });
    const reason = verdict.failed[0]?.reason ?? null;
    await finish(a, verdict.counts ? 'passed' : 'failed', reason);
    await deps.engine.recordEvidence(c.id, {
      kind: 'idv_ial2',
      by: c.subjectId,
      ...(verdict.counts
        ? { at: result.verifiedAt ?? deps.now().toISOString() }
        : { outcome: 'failed' as const }),
      detail: detailOf(result, verdict),
    });
    return { outcome: 'recorded', caseId: c.id, counts: verdict.counts, reason };
  };

  return {
    providerFor,
    async start(c) {
      const provider = providerFor(c);
      if (!provider)
        throw new GateError(
          'ERR_CASE_ILLEGAL_TRANSITION',
          'This recovery does not take identity verification now.',
        );
      const state = randomBytes(24).toString('base64url');
      const nonce = randomBytes(24).toString('base64url');
      const base = deps.baseUrl.replace(/\/$/, '');
      const started = await provider.start({
        caseId: c.id,
        state,
        nonce,
        returnUrl: `${base}${IDV_RETURN_PATH}`,
        callbackUrl: `${base}/idv/callback/${encodeURIComponent(provider.name)}`,
        loginHint: null,
      });
      const now = deps.now().toISOString();
      await deps.store.query(
        `INSERT INTO idv_attempts (id, case_id, provider, state_hash, nonce, request_id, pending, status, started_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'started', $8, $8)`,
        [
          randomUUID(),
          c.id,
          provider.name,
          sha256(state),
          nonce,
          started.requestId,
          JSON.stringify(started.pending),
          now,
        ],
      );
      return started.url;
    },
    async handleReturn(url) {
      const state = url.searchParams.get('state') ?? '';
      const a = state === '' ? null : await attemptByState(state);
      if (!a) throw new GateError('ERR_LINK_INVALID', 'No identity verification is waiting for this answer.');
      const provider = deps.providers.get(a.provider);
      if (!provider) throw new GateError('ERR_LINK_INVALID', 'The provider is no longer configured.');
      if (a.status === 'passed' || a.status === 'failed')
        return { outcome: 'ignored', caseId: a.case_id, why: 'replayed' };
      const pending = (typeof a.pending === 'string' ? JSON.parse(a.pending) : (a.pending ?? {})) as Record<
        string,
        string
      >;
      const ret: IdvReturn = { via: 'redirect', url, state, nonce: a.nonce, pending };
      return settle(await provider.receive(ret), a.provider);
    },
    async handleCallback(name, headers, body) {
      const provider = deps.providers.get(name);
      if (!provider)
        throw new GateError('ERR_HOOK_UNAUTHENTICATED', 'No such identity-verification provider.');
      return settle(await provider.receive({ via: 'callback', headers, body }), name);
    },
    async latest(caseId) {
      const rows = await deps.store.query<AttemptRow>(
        'SELECT * FROM idv_attempts WHERE case_id = $1 ORDER BY started_at DESC, id LIMIT 1',
        [caseId],
      );
      const a = rows[0];
      return a
        ? { provider: a.provider, status: a.status, reason: a.reason, startedAt: iso(a.started_at) }
        : null;
    },
  };
}
