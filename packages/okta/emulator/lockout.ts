/**
 * The password policy's automatic unlock: a LOCKED_OUT user becomes ACTIVE once the policy's unlock time has
 * passed, with a `user.account.unlock` System Log event ("Auto-unlock user account for Okta"; admin unlocks are
 * `user.account.unlock_by_admin`). Okta does not document the actor of that event: `autoUnlockActor` switches
 * between the two plausible ones, the user and the Okta system principal.
 * @see https://developer.okta.com/docs/reference/api/event-types/
 * @module
 */

import type { EmuContext } from './context.js';
import type { EmuUser } from './state.js';
import { appendEvent, type LogRef, userRef } from './syslog.js';

/** Okta's system actor, as it appears on events Okta itself causes. */
export const OKTA_SYSTEM: LogRef = {
  id: '0oa0000000000system',
  type: 'SystemPrincipal',
  alternateId: 'system@okta.com',
  displayName: 'Okta System',
};

/** Unlocks every LOCKED_OUT user whose automatic unlock time has passed (run before each request). */
export function autoUnlock(ctx: EmuContext): void {
  const { lockout } = ctx.state;
  if (lockout.autoUnlockMinutes === null) return;
  const now = ctx.now();
  for (const user of ctx.state.users.values()) {
    if (user.status !== 'LOCKED_OUT') continue;
    if ((user.statusChanged ?? now) + lockout.autoUnlockMinutes * 60_000 > now) continue;
    unlockNow(ctx, user);
    appendEvent(ctx, {
      eventType: 'user.account.unlock',
      actor: lockout.autoUnlockActor === 'user' ? userRef(user) : OKTA_SYSTEM,
      targets: [userRef(user)],
    });
  }
}

function unlockNow(ctx: EmuContext, user: EmuUser): void {
  user.status = 'ACTIVE';
  user.statusChanged = ctx.now();
  user.lastUpdated = ctx.now();
  ctx.state.failedSignIns.delete(user.id);
}
