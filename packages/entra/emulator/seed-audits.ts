/**
 * Synthetic directoryAudits history for benchmarks: records spread over the last day, in the shapes the
 * emulator's own routes write (and Entra writes) for the same operations.
 * @module
 */

import { appendAudit, methodWord, userTarget } from './audit.js';
import { newId } from './ids.js';
import { PORTAL_APP } from './seed.js';
import type { EmuGroup, EmuUser, TenantState } from './state.js';

const DAY = 24 * 3600_000;

function membershipTargets(user: EmuUser, group: EmuGroup) {
  return [
    userTarget(user),
    {
      id: group.id,
      displayName: group.displayName,
      type: 'Group',
      userPrincipalName: null,
      modifiedProperties: [
        { displayName: 'Group.ObjectID', oldValue: null, newValue: `"${group.id}"` },
        { displayName: 'Group.DisplayName', oldValue: null, newValue: `"${group.displayName}"` },
      ],
    },
  ];
}

/**
 * Appends `count` directoryAudits records over the day before `nowMs`, in groups of four: an admin adds the
 * user to an ordinary group, an admin deletes the user's Authenticator, and an admin resets the user's
 * password (two records under one correlation id, as Entra writes them). Users take turns as subject and
 * as the admin acting on the next one. Does nothing when the tenant has no users.
 */
export function seedSyntheticAudits(tenant: TenantState, count: number, nowMs: number): void {
  const users = [...tenant.users.values()];
  const group = [...tenant.groups.values()].find((g) => !g.displayName.startsWith('recovery-'));
  if (users.length === 0 || group === undefined) return;
  const start = nowMs - DAY;
  let correlationId = '';
  for (let i = 0; i < count; i += 1) {
    const round = Math.floor(i / 4);
    const user = users[round % users.length] as EmuUser;
    const admin = users[(round + 1) % users.length] as EmuUser;
    const at = new Date(start + Math.floor((i * DAY) / count)).toISOString();
    const by = { kind: 'user', userId: admin.id, appId: PORTAL_APP.clientId } as const;
    const step = i % 4;
    if (step === 0) {
      appendAudit(tenant, at, by, {
        activity: 'Add member to group',
        category: 'GroupManagement',
        service: 'Core Directory',
        operationType: 'Assign',
        resultReason: 'Successfully added member to group',
        targets: membershipTargets(user, group),
      });
    } else if (step === 1) {
      appendAudit(tenant, at, by, {
        activity: 'Admin deleted security info',
        category: 'UserManagement',
        service: 'Authentication Methods',
        operationType: 'Delete',
        resultReason: `Admin deleted ${methodWord('microsoftAuthenticator')} method for user`,
        targets: [userTarget(user)],
      });
    } else {
      if (step === 2) correlationId = newId();
      const activity = step === 2 ? 'Admin started password reset' : 'Reset password (by admin)';
      appendAudit(tenant, at, by, {
        activity,
        correlationId,
        category: 'UserManagement',
        service: step === 2 ? 'Authentication Methods' : 'Self-service Password Management',
        operationType: 'Update',
        targets: [userTarget(user)],
      });
    }
  }
}
