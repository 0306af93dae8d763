/**
 * Channels on file (primary and secondary email, mobile and primary phone) with when they last changed.
 * The profile does not say when an attribute changed, so the System Log's `user.account.update_profile`
 * events (with `debugData.changedAttributes`) are searched over the retention window.
 * @see https://developer.okta.com/docs/reference/api/event-types/#user-account-update-profile
 * @module
 */

import type { User, UserFactor } from '@okta/okta-sdk-nodejs';
import { type Channel, GateError } from '@recovery-gate/core';
import { field, isoOf, type Json, type OktaContext, text } from '../client/context.js';
import { type Refusals, refuse } from './reads.js';

const CHANNEL_FIELDS = [
  { attribute: 'email', id: 'email:primary', kind: 'email' },
  { attribute: 'secondEmail', id: 'email:secondary', kind: 'email' },
  { attribute: 'mobilePhone', id: 'phone:mobile', kind: 'phone' },
  { attribute: 'primaryPhone', id: 'phone:primary', kind: 'phone' },
] as const;

const DAY = 24 * 3600_000;

function digits(phone: string): string {
  return phone.replace(/\D/g, '');
}

/** When each channel attribute last changed within [windowStart, now], from the System Log. */
async function changesFromLog(
  ctx: OktaContext,
  userId: string,
  windowStart: number,
  refusals?: Refusals,
): Promise<Map<string, number> | null> {
  const attributes: Set<string> = new Set(CHANNEL_FIELDS.map((f) => f.attribute));
  const found = new Map<string, number>();
  try {
    await ctx.call('listLogEvents', 'other', async () => {
      const events = await ctx.client.systemLogApi.listLogEvents({
        since: new Date(windowStart).toISOString(),
        until: ctx.now().toISOString(),
        filter: `eventType eq "user.account.update_profile" and target.id eq "${userId}"`,
        sortOrder: 'DESCENDING',
        limit: 1000,
      });
      for await (const event of events) {
        if (event === null) break;
        const published = Date.parse(isoOf(event.published) ?? '');
        const listed = field(field(event.debugContext, 'debugData'), 'changedAttributes');
        // An event that does not say what changed may have changed any channel: fail closed.
        const changed = typeof listed === 'string' ? listed.split(',').map((s) => s.trim()) : [...attributes];
        for (const name of changed) {
          if (attributes.has(name) && !found.has(name) && Number.isFinite(published))
            found.set(name, published);
        }
        if (found.size === attributes.size) break;
      }
    });
  } catch (error) {
    if (error instanceof GateError && error.code === 'ERR_IDP_FORBIDDEN') {
      if (refusals) refuse(refusals, 'listLogEvents');
      return null;
    }
    throw error;
  }
  return found;
}

/**
 * The channels on file for a user (a phone counts as verified when an active SMS / voice factor proves it).
 * The factors may still be in flight: the System Log read does not need them, so both go in one round.
 */
export async function channelsOf(
  ctx: OktaContext,
  user: User,
  factorsRead: readonly UserFactor[] | null | Promise<readonly UserFactor[] | null>,
  refusals?: Refusals,
): Promise<Channel[] | null> {
  const profile = (user.profile ?? {}) as Json;
  const userId = String(user.id);
  const now = ctx.now().getTime();
  const windowStart = now - ctx.config.systemLogRetentionDays * DAY;
  const [changes, factors] = await Promise.all([
    changesFromLog(ctx, userId, windowStart, refusals),
    factorsRead,
  ]);
  const created = Date.parse(isoOf(user.created) ?? '');
  const lastUpdated = Date.parse(isoOf(user.lastUpdated) ?? '');
  const phones = verifiedPhones(factors);
  const out: Channel[] = [];
  for (const f of CHANNEL_FIELDS) {
    const value = text(profile, f.attribute);
    if (!value) continue;
    let changedAt: number | null = null;
    if (changes !== null) {
      const logged = changes.get(f.attribute);
      if (logged !== undefined) changedAt = logged;
      // Not changed inside the window: it was set at creation, or at latest when the window (or the
      // profile's last update, if older) began.
      else if (Number.isFinite(created) && created >= windowStart) changedAt = created;
      else if (Number.isFinite(lastUpdated) && lastUpdated < windowStart) changedAt = lastUpdated;
      else changedAt = windowStart;
    }
    out.push({
      id: f.id,
      kind: f.kind,
      value,
      lastChangedAt: changedAt === null ? null : new Date(changedAt).toISOString(),
      verified:
        f.kind === 'email'
          ? f.attribute === 'email' && String(user.status) !== 'STAGED'
          : phones.has(digits(value)),
      isAccountMailbox:
        f.attribute === 'email' || value.toLowerCase() === text(profile, 'login')?.toLowerCase(),
    });
  }
  return out;
}

/** Phone numbers proven by an active SMS / voice factor. */
function verifiedPhones(factors: readonly UserFactor[] | null): Set<string> {
  const out = new Set<string>();
  for (const factor of factors ?? []) {
    const phone = text(factor.profile, 'phoneNumber');
    const isPhone = factor.factorType === 'sms' || factor.factorType === 'call';
    if (isPhone && factor.status === 'ACTIVE' && phone) out.add(digits(phone));
  }
  return out;
}
