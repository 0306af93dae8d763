/**
 * Whether the signed-in person may approve in the role a link asks for, checked before the link is used
 * up, so an ineligible person who opens a shared link cannot burn it for the colleague it was meant for.
 * The case engine checks the same again when the decision is recorded.
 * @module
 */

import { isGateError } from '@recovery-gate/core';
import type { ApproverRole, CaseView } from '../orchestrator/index.js';
import type { PagesCtx } from './context.js';
import { peekLinkHash } from './links.js';
import { recordRefusalHash } from './refusals.js';

/** The groups of each pool role, as the policy engine's defaults (settings.approverGroups overrides). */
export const DEFAULT_APPROVER_GROUPS: Readonly<Partial<Record<ApproverRole, readonly string[]>>> = {
  second_agent: ['HelpDesk'],
  security_team: ['SecurityTeam'],
};

/** Why `personId` may not approve through the link behind `tokenHash`; null when they may (or it is the engine's call). */
export async function ineligibility(
  p: PagesCtx,
  c: CaseView,
  tokenHash: string,
  personId: string,
): Promise<string | null> {
  const link = await peekLinkHash(p.deps().store, tokenHash, 'approve', p.now());
  if (!link) return null; // Consuming refuses it anyway.
  if (link.personId !== null && link.personId !== personId) {
    await recordRefusalHash(p, tokenHash, 'approve', personId, 'wrong_person');
    return 'This approval link was sent to someone else.';
  }
  const role = link.role as ApproverRole | null;
  if (role === 'manager' || role === 'sponsor') {
    const named = role === 'manager' ? c.facts?.manager : c.facts?.sponsor;
    return named?.id === personId
      ? null
      : `The identity provider does not list you as the ${role} of this person.`;
  }
  const member = role === null ? 'unknown' : await inRole(p, c, personId, role);
  if (member === 'yes' || member === 'unknown') return null; // Unknown groups (break-glass): the engine decides.
  if (member === 'unreadable') {
    return 'We could not confirm your role with the identity provider. Try the link again later.';
  }
  return 'The identity provider does not list you in the role this approval needs.';
}

/**
 * Whether the IdP lists `personId`, active, in a group of the pool `role`: 'unknown' when the pages do not
 * know the role's groups (the engine decides), 'unreadable' when the IdP could not be asked.
 */
export async function inRole(
  p: PagesCtx,
  c: CaseView,
  personId: string,
  role: ApproverRole,
): Promise<'yes' | 'no' | 'unknown' | 'unreadable'> {
  const groups = { ...DEFAULT_APPROVER_GROUPS, ...p.settings.approverGroups }[role];
  if (!groups) return 'unknown';
  const wanted = groups.map((g) => g.toLowerCase());
  try {
    const facts = await p.deps().providers.get(c.idp)?.readSubjectFacts(personId);
    const member =
      facts?.status === 'active' && (facts.groups ?? []).some((g) => wanted.includes(g.toLowerCase()));
    return member ? 'yes' : 'no';
  } catch (error) {
    p.deps().logger.warn('reading approver facts failed', {
      caseId: c.id,
      code: isGateError(error) ? error.code : 'unknown',
    });
    return 'unreadable';
  }
}
