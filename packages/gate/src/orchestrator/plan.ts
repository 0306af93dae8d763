/**
 * The side effects of each execution step, against the provider port. Every one is idempotent at the
 * IdP, except issuing a credential, which revokes any earlier one first when a previous attempt was lost.
 * @module
 */

import type { Channel, CredentialKind, IdpSettings, IssuedCredential } from '@recovery-gate/core';
import { GateError, isGateError } from '@recovery-gate/core';
import { trustedChannels } from './ask.js';
import type { Ctx } from './context.js';
import type { CaseRecord, EvidenceRecord, TierRequirements } from './model.js';

/** The recovery plan, in order. */
export const RECOVERY_PLAN = [
  'revoke',
  'reset',
  'issue',
  'deliver',
  'notify',
  'clear_marker',
  'write_status',
] as const;
/** The remediation plan of a bypass incident in enforce mode. */
export const INCIDENT_PLAN = ['revoke', 'remove_new', 'revoke_credential', 'suspend', 'alert'] as const;

/**
 * Who delivers the credential: the gate, shown once to the verified subject at claim (always, unless the
 * tier asks for the kind the IdP delivers itself, Keycloak's action email), or the IdP itself. Such an IdP
 * mails only the account's own mailbox, the channel the product refuses as evidence: never for a
 * privileged subject, whatever the tier says.
 */
export function deliveryOf(c: DeliveryFacts, settings: IdpSettings): 'gate' | 'idp' {
  const kind = c.decision?.requirements.credential?.kind ?? null;
  // Unknown admin roles count as privileged (fail closed).
  const roles = c.facts === null ? null : c.facts.adminRoles;
  const privileged = c.subjectClass === 'privileged' || roles === null || roles.length > 0;
  const self = settings.credential.selfDelivered;
  return self !== null && kind === self && !privileged ? 'idp' : 'gate';
}

/** What decides the delivery of a case's credential. */
export type DeliveryFacts = Pick<CaseRecord, 'subjectClass' | 'decision' | 'facts'>;

/** The kind of credential a case issues: the one the gate shows, or the one the IdP delivers itself. */
export function issuedKindOf(c: DeliveryFacts, settings: IdpSettings): CredentialKind {
  const self = settings.credential.selfDelivered;
  return deliveryOf(c, settings) === 'idp' && self !== null ? self : settings.credential.shown;
}

/** Requirements of a case (a case past `requested` always has a decision). */
export function requirementsOf(c: CaseRecord): TierRequirements {
  if (!c.decision) throw new GateError('ERR_CASE_NOT_EXECUTABLE', 'The case has no decision.');
  return c.decision.requirements;
}

/** Revokes sessions and tokens per the tier. */
export async function doRevoke(ctx: Ctx, c: CaseRecord): Promise<Record<string, unknown>> {
  const req = requirementsOf(c);
  const provider = ctx.provider(c.idp);
  // Grants are revoked where the IdP has them; sessions and refresh tokens are never optional.
  const grants = req.revoke.grants && provider.capabilities.revoke_grants.supported;
  const result = await provider.revokeSessions(c.subjectId, { ...req.revoke, grants });
  const caveats = [...result.caveats];
  if (req.revoke.grants && !grants) caveats.push(`grants: ${provider.capabilities.revoke_grants.note}`);
  return { revoked: [...result.revoked], caveats };
}

/** Resets what the action asks for. */
export async function doReset(ctx: Ctx, c: CaseRecord): Promise<Record<string, unknown>> {
  const provider = ctx.provider(c.idp);
  switch (c.action) {
    case 'mfa_reset':
    case 'authenticator_rebind': {
      const result = await provider.resetAuthenticators(c.subjectId, { all: true, keepKinds: ['password'] });
      // What the IdP would not remove is named on the case; the credential still follows, so the user can fix it.
      const remaining = (result.remaining ?? []).map((r) => ({ ...r }));
      return { removed: [...result.removed], ...(remaining.length > 0 ? { remaining } : {}) };
    }
    case 'password_reset':
      await provider.resetPassword(c.subjectId, {
        lifetimeSeconds: requirementsOf(c).credential?.lifetimeSeconds ?? 900,
      });
      // The result names what was reset; it never carries a credential (the chain would refuse a value here).
      return { reset: 'password' };
    case 'account_unlock':
      await provider.unlock(c.subjectId);
      return { unlocked: true };
    case 'recovery_contact_change':
      return resetContacts(ctx, c);
    default:
      return { skipped: true };
  }
}

/** Authenticators that are contacts on file: what a recovery-contact change replaces. */
const CONTACT_KINDS: readonly string[] = ['sms', 'voice', 'email'];

/**
 * A recovery-contact change removes the phone and email factors bound now (read again, not from when the
 * case opened), so the old contacts stop counting and the subject enrols the new ones with the credential.
 * Where contacts are profile fields (Keycloak), the credential's action link makes the subject update them.
 */
async function resetContacts(ctx: Ctx, c: CaseRecord): Promise<Record<string, unknown>> {
  const provider = ctx.provider(c.idp);
  const facts = await provider.readSubjectFacts(c.subjectId);
  const ids = (facts.authenticators ?? []).filter((a) => CONTACT_KINDS.includes(a.kind)).map((a) => a.id);
  const result = ids.length > 0 ? await provider.resetAuthenticators(c.subjectId, { all: false, ids }) : null;
  // A contact the IdP refused to remove (Entra's default MFA phone) is named: it still counts until it goes.
  const remaining = (result?.remaining ?? []).map((r) => ({ ...r }));
  const contacts =
    // Where contacts are profile attributes (Keycloak), the credential's required action makes the subject update them.
    provider.settings.contacts === 'profile'
      ? 'profile_update_required'
      : remaining.length > 0
        ? 'some_remain'
        : ids.length > 0
          ? 'removed'
          : 'none_bound';
  return { removed: [...(result?.removed ?? [])], ...(remaining.length > 0 ? { remaining } : {}), contacts };
}

/**
 * The email an IdP that delivers itself (Keycloak) sends the credential to: a trusted email the subject
 * proved control of, else any trusted email not the account's mailbox. Keycloak can only mail the
 * account's own address; that is used last, and only when it is verified and on file long enough (the
 * case's other evidence has already established who the subject is).
 * @throws GateError ERR_UNSUPPORTED when there is none.
 */
export function deliveryEmail(c: CaseRecord, evidence: readonly EvidenceRecord[], now: Date): Channel {
  const proven = new Set(evidence.filter((e) => e.outcome === 'passed').map((e) => e.channelId));
  const minAge = requirementsOf(c).channelMinAgeSeconds * 1000;
  const emails = (c.facts?.channels ?? []).filter(
    (ch) =>
      ch.kind === 'email' &&
      ch.verified &&
      ch.lastChangedAt !== null &&
      now.getTime() - Date.parse(ch.lastChangedAt) >= minAge,
  );
  const own = emails.filter((ch) => !ch.isAccountMailbox);
  const chosen = own.find((ch) => proven.has(ch.id)) ?? own[0] ?? emails.find((ch) => ch.isAccountMailbox);
  if (!chosen) {
    throw new GateError('ERR_UNSUPPORTED', 'No trusted email on file to deliver the credential to.', {
      details: { caseId: c.id },
    });
  }
  return chosen;
}

/** Channels the subject proved control of, else channels trusted by the freshness rules. */
export function verifiedChannels(c: CaseRecord, evidence: readonly EvidenceRecord[], now: Date): Channel[] {
  const channels = c.facts?.channels ?? [];
  const proven = new Set(evidence.filter((e) => e.outcome === 'passed').map((e) => e.channelId));
  const direct = channels.filter((ch) => proven.has(ch.id));
  if (direct.length > 0) return direct;
  return c.facts ? trustedChannels(c.facts, requirementsOf(c).channelMinAgeSeconds, now) : [];
}

/**
 * Issues the credential. When `previous` says an earlier attempt may have issued one, revokes it first,
 * so two never live at once.
 */
export async function issueCredential(
  ctx: Ctx,
  c: CaseRecord,
  previous: { readonly started: boolean; readonly id: string | null },
  deliverTo: Channel | null,
): Promise<IssuedCredential> {
  const req = requirementsOf(c);
  const provider = ctx.provider(c.idp);
  if (previous.started || previous.id !== null) {
    try {
      await provider.revokeTemporaryCredential(c.subjectId, {
        kind: issuedKindOf(c, provider.settings),
        id: previous.id,
      });
    } catch (error) {
      // Without the lost credential's id some IdPs cannot revoke by id; they keep one active credential per
      // user (Okta TAC, Entra TAP), so the new issue replaces it. Any other failure stops the issue.
      if (!(previous.id === null && isGateError(error, 'ERR_INPUT_INVALID'))) throw error;
    }
  }
  const credential = req.credential ?? { lifetimeSeconds: 900, singleUse: true };
  return provider.issueTemporaryCredential(c.subjectId, {
    lifetimeSeconds: credential.lifetimeSeconds,
    singleUse: credential.singleUse,
    action: c.action,
    ...(deliverTo ? { deliverTo } : {}),
  });
}

/** The safe-to-journal facts of an issued credential (never its secret). */
export function credentialFacts(issued: IssuedCredential): Record<string, unknown> {
  return {
    credentialKind: issued.kind,
    credentialId: issued.id,
    expiresAt: issued.expiresAt,
    delivery: issued.delivery,
    deliveredTo: issued.deliveredTo,
  };
}
