/**
 * Synthetic admin-event history for benchmarks: events spread over the last day, in the shapes the
 * emulator's own routes write (and Keycloak writes) for the same admin operations.
 * @module
 */

import type { EmuAdminEvent, EmuGroup, EmuUser, Realm } from './state.js';
import { clientByClientId, groupPath, newId } from './state.js';

const DAY = 86_400_000;

type Shape = Pick<EmuAdminEvent, 'operationType' | 'resourceType' | 'resourcePath'> &
  Partial<Pick<EmuAdminEvent, 'representation' | 'details'>>;

/** The `step`th operation of a round (0-3) on `user`, as the admin routes record it. */
function operation(realm: Realm, step: number, user: EmuUser, group: EmuGroup): Shape {
  const who = { username: user.username, ...(user.email === undefined ? {} : { email: user.email }) };
  switch (step) {
    case 0:
      return {
        operationType: 'UPDATE',
        resourceType: 'USER',
        resourcePath: `users/${user.id}`,
        representation: JSON.stringify({ ...who, firstName: user.firstName ?? 'User', enabled: true }),
      };
    case 1:
      return {
        operationType: 'ACTION',
        resourceType: 'USER',
        resourcePath: `users/${user.id}/reset-password`,
      };
    case 2:
      return {
        operationType: 'ACTION',
        resourceType: 'USER',
        resourcePath: `users/${user.id}/credentials/${user.credentials[0]?.id ?? newId()}`,
      };
    default:
      return {
        operationType: 'CREATE',
        resourceType: 'GROUP_MEMBERSHIP',
        resourcePath: `users/${user.id}/groups/${group.id}`,
        representation: JSON.stringify({ id: group.id, name: group.name, path: groupPath(realm, group) }),
        details: who,
      };
  }
}

/**
 * Appends `count` admin events over the day before `now`, in rounds of four, each by an admin in the admin
 * console on one user: a profile update, a password reset, a credential removal, and adding the user to an
 * ordinary group. Users take turns as subject and as the admin acting on the next one. Does nothing when
 * the realm has no users or no group outside the recovery groups.
 */
export function seedAdminEvents(realm: Realm, count: number, now: number): void {
  // People only: a service account (the gate's among them) is not an admin in the console.
  const users = [...realm.users.values()].filter((u) => u.serviceAccountClientId === undefined);
  const group = [...realm.groups.values()].find((g) => !groupPath(realm, g).startsWith('/recovery-'));
  const console = clientByClientId(realm, 'security-admin-console');
  if (users.length === 0 || group === undefined || console === undefined) return;
  const realmId = realm.settings.id;
  const start = now - DAY;
  for (let i = 0; i < count; i += 1) {
    const round = Math.floor(i / 4);
    const user = users[round % users.length] as EmuUser;
    const admin = users[(round + 1) % users.length] as EmuUser;
    realm.adminEvents.push({
      id: newId(),
      time: start + Math.floor((i * DAY) / count),
      realmId,
      authDetails: { realmId, clientId: console.id, userId: admin.id, ipAddress: '10.0.0.7' },
      ...operation(realm, i % 4, user, group),
    });
  }
}
