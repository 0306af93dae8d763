/**
 * directoryAudits activity names the adapter recognises, with every variant seen in Microsoft's audit
 * activity reference and in field detection content.
 * @see https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
 * @module
 */

/** Admin (or SSPR-service) password resets. */
export const PASSWORD_RESET_ACTIVITIES: ReadonlySet<string> = new Set([
  'Reset password (by admin)',
  'Reset password',
  'Reset user password',
  'Admin started password reset',
  'Change user password',
  'Set force change user password',
]);

/** An admin registered a method for a user (TAP creation is one: see resultReason). */
export const ADMIN_REGISTERED: ReadonlySet<string> = new Set(['Admin registered security info']);
/** An admin changed a method. */
export const ADMIN_UPDATED: ReadonlySet<string> = new Set(['Admin updated security info']);
/** An admin deleted methods (one by one, or "require re-register MFA"). */
export const ADMIN_DELETED: ReadonlySet<string> = new Set(['Admin deleted security info']);
/** The user changed their own methods (contact changes count). */
export const USER_SECURITY_INFO: ReadonlySet<string> = new Set([
  'User registered security info',
  'User changed default security info',
  'User deleted security info',
  'User registered all required security info',
]);
/** Session revocation (revokeSignInSessions, "Revoke sessions" in the portal). */
export const REVOKE_ACTIVITIES: ReadonlySet<string> = new Set([
  'Update StsRefreshTokenValidFrom Timestamp',
  'Revoke sessions',
  'Invalidate all refresh tokens for user',
]);
/** Account re-enabled (the closest Entra has to an admin unlock). */
export const ENABLE_ACTIVITIES: ReadonlySet<string> = new Set(['Enable account']);
/** Group membership. */
export const GROUP_ADD = 'Add member to group';
/** Group membership removal. */
export const GROUP_REMOVE = 'Remove member from group';
/** Profile updates (contact attributes). */
export const UPDATE_USER = 'Update user';
