/**
 * Shared steps of the scenarios: satisfying a standard recovery, collecting the credential, reading a
 * subject's channel addresses.
 * @module
 */

import { baselinePolicyInput, type Policy, parsePolicy } from '@recovery-gate/core';
import { deliveryOf } from '@recovery-gate/gate';
import { expect } from 'vitest';
import type { World } from './world.js';

/** The address of the subject's channel of `kind` (the account mailbox when `mailbox`). */
export async function addressOf(
  world: World,
  subject: string,
  kind: 'phone' | 'email',
  mailbox = false,
): Promise<string> {
  const facts = await world.adapter.readSubjectFacts(await world.id(subject));
  const channel = (facts.channels ?? []).find((c) => c.kind === kind && c.isAccountMailbox === mailbox);
  if (!channel) throw new Error(`${subject} has no such ${kind} on ${world.idp}`);
  return channel.value;
}

/** Opens alice's case from a native-console request and returns its id. */
export async function openFor(world: World, subject: string): Promise<string> {
  await world.engine.handleEvent(await world.request(subject));
  const [c] = await world.engine.listCases({ subjectId: await world.id(subject), kind: 'recovery' });
  if (!c) throw new Error(`no case for ${subject}`);
  return c.id;
}

/**
 * Gives a standard T2 case its two independent proofs, as the verification page would record them: a
 * one-time code to the phone on file where the IdP marks that phone verified (Entra, Keycloak), else an
 * OIDC step-up sign-in with the password still bound (Okta keeps profile phones unverified); plus the
 * manager's approval.
 */
export async function proveStandard(world: World, caseId: string, subject: string): Promise<void> {
  await proveSubject(world, caseId, subject);
  await world.engine.recordApproval(caseId, {
    approverId: await world.id('erin'),
    role: 'manager',
    decision: 'approve',
    reason: 'confirmed on a video call',
  });
}

/** The subject's own proof (see {@link proveStandard}). */
export async function proveSubject(world: World, caseId: string, subject: string): Promise<void> {
  const userId = await world.id(subject);
  const facts = await world.adapter.readSubjectFacts(userId);
  const phone = (facts.channels ?? []).find((c) => c.kind === 'phone' && c.verified && !c.isAccountMailbox);
  const password = (facts.authenticators ?? []).find((a) => a.kind === 'password' && a.status === 'active');
  if (phone) {
    await world.engine.recordEvidence(caseId, { kind: 'phone_otp', by: userId, channelId: phone.id });
  } else {
    await world.engine.recordEvidence(caseId, {
      kind: 'oidc_step_up',
      by: userId,
      authenticatorId: password?.id ?? null,
    });
  }
}

/** The baseline where every tier explicitly lets Keycloak mail its action link (never for privileged subjects). */
export const KEYCLOAK_MAILING: Policy = parsePolicy({
  ...baselinePolicyInput,
  tiers: Object.fromEntries(
    Object.entries(baselinePolicyInput.tiers).map(([name, tier]) => [
      name,
      { ...tier, credential: { ...tier.credential, kind: 'keycloak_action_link' } },
    ]),
  ),
});

/**
 * Collects the temporary credential as the verified subject and checks against the emulator that it signs
 * in once: shown once by the gate (Okta TAC, Entra TAP, Keycloak temporary password), or, where a tier
 * asks for it, mailed by Keycloak to the account's own mailbox.
 */
export async function collect(world: World, caseId: string, subject: string): Promise<string | null> {
  const userId = await world.id(subject);
  const c = await world.engine.getCase(caseId);
  if (c && deliveryOf(c, world.adapter.settings) === 'idp') {
    expect(c.state).toBe('completed');
    expect(await world.probes.signInWithTemporaryCredential(userId, null)).toBe(true);
    return null;
  }
  const claimed = await world.engine.claimCredential(caseId, userId);
  await expect(world.engine.claimCredential(caseId, userId)).rejects.toMatchObject({
    code: 'ERR_LINK_INVALID',
  });
  expect((await world.engine.getCase(caseId))?.state).toBe('completed');
  const secret = claimed.secret.reveal();
  expect(await world.probes.signInWithTemporaryCredential(userId, secret)).toBe(true);
  return secret;
}
