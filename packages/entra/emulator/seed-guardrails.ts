/**
 * Seeds the request groups as the adapter's `apply` would have created them (`guardrailsApplied`).
 * @module
 */

import { stableId } from './ids.js';
import type { TenantState } from './state.js';

/** The recovery actions that get a request group. */
export const REQUEST_ACTIONS = [
  'password_reset',
  'account_unlock',
  'mfa_reset',
  'authenticator_rebind',
  'recovery_contact_change',
  'emergency_access',
] as const;

/** Adds `recovery-request-<action>` security groups. */
export function seedGuardrails(tenant: TenantState, nowMs: number): void {
  for (const action of REQUEST_ACTIONS) {
    const name = `recovery-request-${action}`;
    const id = stableId(`group:${name}`);
    tenant.groups.set(id, {
      id,
      displayName: name,
      description: `Recovery Gate: add a user here to request ${action.replaceAll('_', ' ')}.`,
      mailNickname: name.replaceAll('-', '').replaceAll('_', ''),
      securityEnabled: true,
      mailEnabled: false,
      isAssignableToRole: false,
      createdDateTime: new Date(nowMs).toISOString(),
      members: new Set(),
    });
  }
}
