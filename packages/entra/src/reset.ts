/**
 * Resets: delete authentication methods ("require re-register MFA"), app-only password reset,
 * enable (unlock) and disable (suspend).
 * @module
 */

import { randomBytes } from 'node:crypto';
import {
  type AuthenticatorSelection,
  allOrThrow,
  GateError,
  isGateError,
  type RemainingAuthenticator,
  type ResetResult,
} from '@recovery-gate/core';
import { type EntraContext, graphDelete, graphList, graphPatch, seg } from './client.js';
import { type GraphMethod, kindOf, methodType } from './facts/map.js';

/** Method types the adapter deletes, with their Graph navigation names. */
const DELETABLE: Readonly<Record<string, string>> = {
  phone: 'phoneMethods',
  microsoftAuthenticator: 'microsoftAuthenticatorMethods',
  softwareOath: 'softwareOathMethods',
  fido2: 'fido2Methods',
  email: 'emailMethods',
  windowsHelloForBusiness: 'windowsHelloForBusinessMethods',
  platformCredential: 'platformCredentialMethods',
  temporaryAccessPass: 'temporaryAccessPassMethods',
};

const isMobile = (m: GraphMethod): boolean => methodType(m) === 'phone' && m.phoneType === 'mobile';

/**
 * The deletions in rounds: every method in one parallel round, except the mobile phone, which goes in a
 * second round after the others: Graph refuses to delete the mobile while an alternate phone remains.
 * @see https://learn.microsoft.com/graph/api/phoneauthenticationmethod-delete?view=graph-rest-1.0
 */
function rounds(chosen: readonly GraphMethod[]): GraphMethod[][] {
  return [chosen.filter((m) => !isMobile(m)), chosen.filter(isMobile)].filter((r) => r.length > 0);
}

/** Removes the selected methods; methods already gone are skipped. @throws ERR_USER_NOT_FOUND */
export async function resetAuthenticators(
  ctx: EntraContext,
  userId: string,
  selection: AuthenticatorSelection,
): Promise<ResetResult> {
  const methods = await graphList<GraphMethod>(
    ctx,
    `/users/${seg(userId)}/authentication/methods`,
    'list methods',
    {},
    'user',
  );
  const keep = new Set(selection.all ? (selection.keepKinds ?? []) : []);
  const chosen = selection.all
    ? // Everything but the password: the portal's "require re-register MFA" set plus email, WHfB and TAP.
      methods.filter((m) => DELETABLE[methodType(m)] !== undefined && !keep.has(kindOf(m)))
    : methods.filter((m) => selection.ids.includes(m.id));
  if (!selection.all) {
    const blocked = chosen.find((m) => DELETABLE[methodType(m)] === undefined);
    if (blocked)
      throw new GateError(
        'ERR_INPUT_INVALID',
        'That method cannot be removed through Graph (the password is reset instead).',
        { details: { methodId: blocked.id } },
      );
  }
  const removed: string[] = [];
  const refused: GraphMethod[] = [];
  for (const round of rounds(chosen)) {
    const deleted = await allOrThrow(round.map((method) => deleteMethod(ctx, userId, method)));
    round.forEach((method, i) => {
      if (deleted[i] === 'refused') refused.push(method);
      else if (deleted[i]) removed.push(method.id);
    });
  }
  return refused.length === 0 ? { removed } : { removed, remaining: await stillThere(ctx, userId, refused) };
}

/**
 * Graph refuses (400) to delete a phone that is the user's default MFA method, and v1.0 has no API to change
 * the default (`signInPreferences` is beta), so the phone stays: the user picks another default at My Security
 * Info (signed in with the TAP the case issues) and removes it there.
 * @see https://learn.microsoft.com/graph/api/phoneauthenticationmethod-delete?view=graph-rest-1.0
 */
async function deleteMethod(
  ctx: EntraContext,
  userId: string,
  method: GraphMethod,
): Promise<boolean | 'refused'> {
  const nav = DELETABLE[methodType(method)] as string;
  const path = `/users/${seg(userId)}/authentication/${nav}/${seg(method.id)}`;
  try {
    return await graphDelete(ctx, path, 'delete method');
  } catch (error) {
    if (methodType(method) === 'phone' && isGateError(error, 'ERR_IDP_BAD_REQUEST')) return 'refused';
    throw error;
  }
}

/** The refused methods Graph still lists (one deleted meanwhile, by someone else, is not remaining). */
async function stillThere(
  ctx: EntraContext,
  userId: string,
  refused: readonly GraphMethod[],
): Promise<RemainingAuthenticator[]> {
  const now = await graphList<GraphMethod>(
    ctx,
    `/users/${seg(userId)}/authentication/methods`,
    'list methods',
  );
  const ids = new Set(now.map((m) => m.id));
  return refused
    .filter((m) => ids.has(m.id))
    .map((m) => ({
      id: m.id,
      kind: kindOf(m),
      reason:
        `Entra refused to delete this ${m.phoneType ?? ''} phone: it is the user's default MFA method (or the ` +
        'mobile while an alternate phone remains). The user signs in with the temporary access pass, chooses ' +
        'another default method at https://mysignins.microsoft.com/security-info and removes the phone there.',
    }));
}

/** A random password meeting Entra's complexity rules; it is never stored or returned. */
function throwawayPassword(): string {
  return `Rg!${randomBytes(24).toString('base64url')}9a`;
}

/** Puts the password into reset (app-only path). @throws ERR_IDP_FORBIDDEN without the User Administrator role */
export async function resetPassword(ctx: EntraContext, userId: string): Promise<void> {
  await graphPatch(
    ctx,
    `/users/${seg(userId)}`,
    { passwordProfile: { password: throwawayPassword(), forceChangePasswordNextSignIn: true } },
    'reset password',
    'user',
  );
}

/** Enables (true) or disables (false) sign-in. */
export async function setEnabled(ctx: EntraContext, userId: string, enabled: boolean): Promise<void> {
  await graphPatch(
    ctx,
    `/users/${seg(userId)}`,
    { accountEnabled: enabled },
    enabled ? 'enable account' : 'disable account',
    'user',
  );
}
