/**
 * Turns evidence and approvals into countable pieces, applying the rules no config can switch off:
 * banned kinds, freshness, channel age and ownership, and who may attest what.
 * @module
 */

import type { CompiledTier, PieceKind } from './compile.js';
import type { IgnoredCode, IgnoredInput, RecoveryRequest } from './decision-types.js';
import {
  APPROVAL_EVIDENCE_KIND,
  APPROVAL_ROLES,
  type Approval,
  type Evidence,
  type EvidenceKind,
  isBannedEvidenceKind,
  isEvidenceKind,
  isRecoveryCodeKind,
} from './evidence.js';
import type { SubjectFacts } from './port.js';

/** A piece of evidence or an approval that counts. */
export interface Piece {
  readonly kind: PieceKind;
  /** When it arrived (ms). */
  readonly at: number;
  /** The attesting person (approver, officer); null for the subject's own possession proofs. */
  readonly person: string | null;
  /** The channel, authenticator or person it came over, for independence. */
  readonly channel: string;
}

/** The inputs pieces are checked against. */
export interface PieceContext {
  readonly tier: CompiledTier;
  readonly request: RecoveryRequest;
  readonly facts: SubjectFacts;
  readonly now: number;
}

/** Evidence and approvals may be dated this far ahead of `now` (clock skew between IdP and gate). */
export const CLOCK_SKEW_MS = 60_000;

type Rejection = { readonly code: IgnoredCode; readonly message: string };
type Verdict = Rejection | null;

const APPROVAL_KINDS: ReadonlySet<string> = new Set([
  'manager_approval',
  'sponsor_approval',
  'second_agent_approval',
  'security_team_approval',
]);

function timeVerdict(at: number, maxAgeMs: number, ctx: PieceContext): Verdict {
  if (Number.isNaN(at))
    return { code: 'EVIDENCE_TIME_INVALID', message: 'its time is not a valid ISO-8601 date' };
  if (at > ctx.now + CLOCK_SKEW_MS) return { code: 'EVIDENCE_FUTURE', message: 'it is dated in the future' };
  // The hold is added: evidence must still count when the hold ends.
  if (ctx.now - at > maxAgeMs + ctx.tier.holdMs) {
    return { code: 'EVIDENCE_STALE', message: 'it is older than the tier allows' };
  }
  return null;
}

function personVerdict(person: string, kind: PieceKind, ctx: PieceContext): Verdict {
  if (person === ctx.request.subjectId) {
    return {
      code: 'PERSON_IS_SUBJECT',
      message: `${person} is the subject and cannot attest their own recovery`,
    };
  }
  if (person === ctx.request.requesterId) {
    if (kind !== 'supervised_proofing') {
      return {
        code: 'PERSON_IS_REQUESTER',
        message: `${person} requested the recovery and cannot also approve it`,
      };
    }
    if (ctx.tier.tier.separation.verifierIsNotExecutor) {
      return {
        code: 'VERIFIER_IS_EXECUTOR',
        message: `${person} requested the recovery and cannot also verify it`,
      };
    }
  }
  if (kind === 'manager_approval' && person !== ctx.facts.manager?.id) {
    return { code: 'APPROVER_NOT_MANAGER', message: `${person} is not the subject's manager on file` };
  }
  if (kind === 'sponsor_approval' && person !== ctx.facts.sponsor?.id) {
    return { code: 'APPROVER_NOT_SPONSOR', message: `${person} is not the subject's sponsor on file` };
  }
  return null;
}

function channelVerdict(channelId: string, kind: EvidenceKind, ctx: PieceContext): Verdict {
  const channel = ctx.facts.channels?.find((entry) => entry.id === channelId);
  if (channel === undefined)
    return { code: 'CHANNEL_UNKNOWN', message: `channel ${channelId} is not on file` };
  if (channel.isAccountMailbox) {
    return {
      code: 'CHANNEL_ACCOUNT_MAILBOX',
      message: "the recovered account's own mailbox is never a channel",
    };
  }
  if (kind === 'phone_otp' && channel.kind !== 'phone') {
    return { code: 'CHANNEL_UNKNOWN', message: `channel ${channelId} is not a phone` };
  }
  if (!channel.verified)
    return { code: 'CHANNEL_UNVERIFIED', message: `channel ${channelId} is not verified` };
  const changed = channel.lastChangedAt === null ? Number.NaN : Date.parse(channel.lastChangedAt);
  if (Number.isNaN(changed) || ctx.now - changed < ctx.tier.channelMinAgeMs) {
    return { code: 'CHANNEL_TOO_NEW', message: `channel ${channelId} changed recently, or when is unknown` };
  }
  return null;
}

function authenticatorVerdict(id: string, ctx: PieceContext): Verdict {
  const found = ctx.facts.authenticators?.find((entry) => entry.id === id);
  if (found === undefined)
    return { code: 'AUTHENTICATOR_UNKNOWN', message: `authenticator ${id} is not bound` };
  if (found.status !== 'active')
    return { code: 'AUTHENTICATOR_INACTIVE', message: `authenticator ${id} is not active` };
  if (ctx.tier.authenticatorMinAgeMs > 0) {
    const enrolled = found.enrolledAt === null ? Number.NaN : Date.parse(found.enrolledAt);
    if (Number.isNaN(enrolled) || ctx.now - enrolled < ctx.tier.authenticatorMinAgeMs) {
      return {
        code: 'AUTHENTICATOR_TOO_NEW',
        message: `authenticator ${id} was bound recently, or when is unknown`,
      };
    }
  }
  return null;
}

const SUBJECT_KINDS: ReadonlySet<string> = new Set([
  'device_challenge',
  'oidc_step_up',
  'phone_otp',
  'recovery_code',
  'idp_recovery_code',
]);

/**
 * The IdP's own recovery codes count only as the set on file, made before the tier's channel age: a set
 * created recently may be the work of whoever got into the account. An unknown creation date never counts.
 */
function nativeCodesVerdict(evidence: Evidence, ctx: PieceContext): Verdict {
  const id = evidence.authenticatorId;
  const found =
    typeof id === 'string' ? ctx.facts.authenticators?.find((entry) => entry.id === id) : undefined;
  if (found === undefined || found.kind !== 'recovery_codes') {
    return {
      code: 'AUTHENTICATOR_UNKNOWN',
      message: 'idp_recovery_code must name the recovery-codes credential on file it used',
    };
  }
  if (found.status !== 'active')
    return { code: 'AUTHENTICATOR_INACTIVE', message: `authenticator ${found.id} is not active` };
  const created = found.enrolledAt === null ? Number.NaN : Date.parse(found.enrolledAt);
  if (Number.isNaN(created) || ctx.now - created < ctx.tier.channelMinAgeMs) {
    return {
      code: 'RECOVERY_CODES_TOO_NEW',
      message: 'the recovery codes were created recently, or when is unknown',
    };
  }
  return null;
}

/** Who produced the evidence: the subject for possession proofs, a named other person for attestations. */
function producerVerdict(evidence: Evidence, kind: EvidenceKind, ctx: PieceContext): Verdict {
  if (SUBJECT_KINDS.has(kind)) {
    const wrong = evidence.by !== null && evidence.by !== ctx.request.subjectId;
    return wrong
      ? { code: 'EVIDENCE_WRONG_PERSON', message: `${kind} must be produced by the subject` }
      : null;
  }
  if (kind === 'idv_ial2') return null;
  if (evidence.by === null) {
    return { code: 'EVIDENCE_PERSON_MISSING', message: `${kind} must name the person who attested it` };
  }
  return personVerdict(evidence.by, kind, ctx);
}

function deliveryVerdict(evidence: Evidence, kind: EvidenceKind, ctx: PieceContext): Verdict {
  if (kind === 'idp_recovery_code') return nativeCodesVerdict(evidence, ctx);
  if (kind === 'phone_otp' && evidence.channelId === null) {
    return { code: 'CHANNEL_MISSING', message: 'phone_otp must name the phone on file it used' };
  }
  if (evidence.channelId !== null) {
    const verdict = channelVerdict(evidence.channelId, kind, ctx);
    if (verdict !== null) return verdict;
  }
  return typeof evidence.authenticatorId === 'string'
    ? authenticatorVerdict(evidence.authenticatorId, ctx)
    : null;
}

/** Possession proofs that one phone can answer: a push, a step-up sign-in, a code to a phone. */
const DEVICE_KINDS: ReadonlySet<string> = new Set(['device_challenge', 'oidc_step_up', 'phone_otp']);

/** The independence key every proof one device could produce shares. */
const DEVICE_CHANNEL = 'device';
/** The independence key of saved codes: the gate's and the IdP's are often kept on one sheet or in one vault. */
const SAVED_CODES_CHANNEL = 'saved_codes';

/**
 * The channel key for independence: the person for attestations; one shared key for every proof one device
 * could produce; one for saved codes of either kind; else the kind (identity proofing).
 */
function evidenceChannel(evidence: Evidence, kind: EvidenceKind): string {
  if (evidence.by !== null && !SUBJECT_KINDS.has(kind) && kind !== 'idv_ial2') return `person:${evidence.by}`;
  // Independence must be proven, and no IdP proves two possession proofs came from two devices: Okta Verify,
  // an authenticator app, the SMS number and the mailbox app are routinely on one phone, and distinct factor
  // ids do not say otherwise. So a stolen phone counts once, whatever the authenticator or channel named.
  if (DEVICE_KINDS.has(kind) || evidence.channelId !== null) return DEVICE_CHANNEL;
  if (isRecoveryCodeKind(kind)) return SAVED_CODES_CHANNEL;
  return kind;
}

function checkEvidence(evidence: Evidence, ctx: PieceContext): Piece | Rejection {
  const kind = evidence.kind as string;
  if (isBannedEvidenceKind(kind))
    return { code: 'EVIDENCE_BANNED', message: `${kind} never counts as evidence` };
  if (!isEvidenceKind(kind)) return { code: 'EVIDENCE_UNKNOWN_KIND', message: 'unknown evidence kind' };
  const at = Date.parse(evidence.at);
  const maxAge = APPROVAL_KINDS.has(kind) ? ctx.tier.approvalMaxAgeMs : ctx.tier.evidenceMaxAgeMs;
  const verdict =
    timeVerdict(at, maxAge, ctx) ??
    producerVerdict(evidence, kind, ctx) ??
    deliveryVerdict(evidence, kind, ctx);
  if (verdict !== null) return verdict;
  const attested = !SUBJECT_KINDS.has(kind) && kind !== 'idv_ial2';
  return { kind, at, person: attested ? evidence.by : null, channel: evidenceChannel(evidence, kind) };
}

function checkApproval(approval: Approval, ctx: PieceContext): Piece | Rejection {
  // Approvals come from storage or the wire: an unknown role must not fall through to any role.
  if (!(APPROVAL_ROLES as readonly string[]).includes(approval.role)) {
    return { code: 'APPROVAL_ROLE_UNKNOWN', message: 'the approval names an unknown role' };
  }
  const at = Date.parse(approval.at);
  const kind: PieceKind = APPROVAL_EVIDENCE_KIND[approval.role] ?? 'break_glass_authorization';
  const timing = timeVerdict(at, ctx.tier.approvalMaxAgeMs, ctx);
  if (timing !== null)
    return timing.code === 'EVIDENCE_STALE' ? { ...timing, code: 'APPROVAL_STALE' } : timing;
  const person = personVerdict(approval.approverId, kind, ctx);
  if (person !== null) return person;
  if (kind === 'break_glass_authorization') {
    const listed = ctx.tier.authorizerIds.has(approval.approverId) || ctx.tier.authorizerGroups;
    if (!ctx.tier.breakGlass || !listed) {
      return {
        code: 'APPROVER_NOT_AUTHORIZER',
        message: `${approval.approverId} is not a configured authorizer`,
      };
    }
  }
  return { kind, at, person: approval.approverId, channel: `person:${approval.approverId}` };
}

/** The pieces that count, and the inputs that do not with the reason. */
export function collectPieces(
  evidence: readonly Evidence[],
  approvals: readonly Approval[],
  ctx: PieceContext,
): { readonly pieces: Piece[]; readonly ignored: IgnoredInput[] } {
  const pieces: Piece[] = [];
  const ignored: IgnoredInput[] = [];
  evidence.forEach((item, index) => {
    const result = checkEvidence(item, ctx);
    if ('code' in result) ignored.push({ ...result, source: 'evidence', index });
    else pieces.push(result);
  });
  // The earliest approval per (person, role) counts; the same person in two roles stays two pieces, and
  // the search lets one person fill one slot only (dropping either role here could lower the outcome).
  const seen = new Set<string>();
  const order = approvals.map((item, index) => ({ item, index, at: Date.parse(item.at) }));
  order.sort((a, b) => (a.at || 0) - (b.at || 0) || a.index - b.index);
  for (const { item, index } of order) {
    if (item.decision !== 'approve') continue;
    const result = checkApproval(item, ctx);
    const key = `${item.role}\u0000${item.approverId}`;
    if ('code' in result) {
      ignored.push({ ...result, source: 'approval', index });
    } else if (seen.has(key)) {
      const message = `${item.approverId} already approved as ${item.role}; one person counts once`;
      ignored.push({ code: 'APPROVER_DUPLICATE', message, source: 'approval', index });
    } else {
      seen.add(key);
      pieces.push(result);
    }
  }
  return { pieces, ignored };
}
