/**
 * The temporary credential: an `execute-actions-email` action link with the tier's lifespan and at least
 * one one-time action (UPDATE_PASSWORD / CONFIGURE_TOTP), so Keycloak makes it single-use. Keycloak sends
 * it itself, only to the account's email, which must be the verified channel the gate chose.
 * Early revocation: Keycloak has no endpoint to revoke an action token; the lever is disabling the account
 * (action tokens of disabled users are refused) and logging it out.
 * @see https://www.keycloak.org/docs-api/latest/rest-api/index.html#_users
 * @module
 */

import type { IssuedCredential, RecoveryAction, TemporaryCredentialOptions } from '@recovery-gate/core';
import { GateError } from '@recovery-gate/core';
import { requireUser } from './client/users.js';
import type { KcSession } from './client.js';
import { issueTemporaryPassword, revokeTemporaryPassword } from './credential/temporary-password.js';
import { updateUser } from './reset.js';

/** Required actions per recovery action; each list holds a one-time action. */
export const ACTIONS_FOR: Readonly<Record<RecoveryAction, readonly string[]>> = {
  password_reset: ['UPDATE_PASSWORD'],
  account_unlock: ['UPDATE_PASSWORD'],
  mfa_reset: ['CONFIGURE_TOTP'],
  authenticator_rebind: ['CONFIGURE_TOTP'],
  recovery_contact_change: ['UPDATE_PROFILE', 'UPDATE_PASSWORD'],
  emergency_access: ['UPDATE_PASSWORD', 'CONFIGURE_TOTP'],
};

/** Actions Keycloak treats as one-time (RequiredActionFactory.isOneTimeAction). */
export const ONE_TIME_ACTIONS = ['UPDATE_PASSWORD', 'CONFIGURE_TOTP', 'CONFIGURE_RECOVERY_AUTHN_CODES'];

/** The user attribute recording an early revocation (for agents and auditors). */
export const REVOKED_ATTRIBUTE = 'recoveryLinkRevokedAt';

/** Keycloak caps admin action-token lifespans only by int range; the gate keeps them short. */
const MAX_LIFETIME_SECONDS = 43_200;

function validate(options: TemporaryCredentialOptions): void {
  const life = options.lifetimeSeconds;
  if (!Number.isInteger(life) || life <= 0 || life > MAX_LIFETIME_SECONDS) {
    throw new GateError(
      'ERR_INPUT_INVALID',
      `lifetimeSeconds must be an integer in 1..${MAX_LIFETIME_SECONDS}.`,
    );
  }
  if (!options.singleUse) {
    throw new GateError(
      'ERR_INPUT_INVALID',
      'Keycloak action links are issued single-use only (a one-time action is always included).',
    );
  }
  if (!ACTIONS_FOR[options.action].some((a) => ONE_TIME_ACTIONS.includes(a))) {
    throw new GateError('ERR_INPUT_INVALID', 'The action list has no one-time action.');
  }
}

/** Sends the action link; returns it as issued (the link itself never reaches the gate). */
export async function issueTemporaryCredential(
  s: KcSession,
  userId: string,
  options: TemporaryCredentialOptions,
): Promise<IssuedCredential> {
  validate(options);
  // No channel named: the gate shows the credential once to the verified subject (a temporary password).
  if (options.deliverTo === undefined)
    return issueTemporaryPassword(s, userId, options, ACTIONS_FOR[options.action]);
  const user = await requireUser(s, userId);
  const email = user.email ?? '';
  const target = options.deliverTo;
  const matches =
    target === undefined || (target.kind === 'email' && target.value.toLowerCase() === email.toLowerCase());
  if (email === '' || user.emailVerified !== true || !matches) {
    throw new GateError(
      'ERR_INPUT_INVALID',
      "Keycloak delivers action links only to the account's own email, and only when it is verified and is the chosen channel.",
      { details: { channel: target?.id ?? null } },
    );
  }
  if (user.enabled !== true)
    throw new GateError('ERR_IDP_CONFLICT', 'The account is disabled; Keycloak refuses action links for it.');
  const issuedAt = s.now();
  await s.call(
    (kc) =>
      kc.users.executeActionsEmail({
        realm: s.realm,
        id: user.id,
        actions: [...ACTIONS_FOR[options.action]] as never[],
        lifespan: options.lifetimeSeconds,
        ...(s.config.actionClientId === undefined ? {} : { clientId: s.config.actionClientId }),
        ...(s.config.redirectUri === undefined ? {} : { redirectUri: s.config.redirectUri }),
      }),
    'user',
  );
  return {
    kind: 'keycloak_action_link',
    id: null,
    issuedAt: issuedAt.toISOString(),
    expiresAt: new Date(issuedAt.getTime() + options.lifetimeSeconds * 1000).toISOString(),
    singleUse: true,
    delivery: 'idp',
    secret: null,
    deliveredTo: target?.id ?? 'email:primary',
  };
}

/** Kills outstanding action links: disables the account, logs it out, records when. Idempotent. */
export async function revokeTemporaryCredential(
  s: KcSession,
  userId: string,
  credential: Pick<IssuedCredential, 'kind' | 'id'>,
): Promise<void> {
  if (credential.kind === 'keycloak_temporary_password') {
    await revokeTemporaryPassword(s, userId);
    return;
  }
  if (credential.kind !== 'keycloak_action_link') {
    throw new GateError('ERR_INPUT_INVALID', 'Only Keycloak credentials can be revoked here.');
  }
  const user = await requireUser(s, userId);
  if (user.enabled !== false) {
    const at = s.now().toISOString();
    await updateUser(s, user.id, (u) => ({
      enabled: false,
      attributes: { ...(u.attributes ?? {}), [REVOKED_ATTRIBUTE]: [at] },
    }));
  }
  await s.call((kc) => kc.users.logout({ realm: s.realm, id: user.id }), 'user');
}

/**
 * Whether the gate's own execute-actions-email to the user went out at or after `since`: Keycloak writes
 * an admin event (ACTION users/{id}/execute-actions-email) for every send it completed, none for a failed
 * one or a request that never arrived.
 * @throws GateError ERR_UNSUPPORTED when admin events are off (nothing to read), ERR_IDP_* when unreadable
 */
export async function credentialSentSince(s: KcSession, userId: string, since: string): Promise<boolean> {
  const from = Date.parse(since);
  if (!Number.isFinite(from)) throw new GateError('ERR_INPUT_INVALID', 'since must be an ISO timestamp.');
  const [self, config] = await Promise.all([
    s.selfUserId(),
    s.call((kc) => kc.realms.getConfigEvents({ realm: s.realm })),
  ]);
  if (config.adminEventsEnabled !== true) {
    throw new GateError(
      'ERR_UNSUPPORTED',
      'Admin events are off: whether the action link went out is unknown.',
    );
  }
  const path = `users/${userId}/execute-actions-email`;
  const events = await s.call((kc) =>
    kc.realms.findAdminEvents({
      realm: s.realm,
      // Epoch millis: the SDK types dateFrom as a Date and would send Date.toString().
      dateFrom: String(from) as unknown as Date,
      operationTypes: 'ACTION',
      resourcePath: path,
      authUser: self,
      max: 100,
    }),
  );
  return events.some(
    (e) => e.resourcePath === path && e.authDetails?.userId === self && (e.time ?? 0) >= from,
  );
}
