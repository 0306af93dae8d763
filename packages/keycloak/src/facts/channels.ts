/**
 * Channels on file (email, mobile) and when they last changed. The user record has no such dates, so they
 * come from admin events (`UPDATE USER users/{id}` with representation) and login events
 * (`UPDATE_EMAIL` / `UPDATE_PROFILE` details). A value re-submitted unchanged looks like a change: the
 * reading errs towards "recent", which policy treats as riskier.
 * @module
 */

import type { Channel } from '@recovery-gate/core';
import { GateError } from '@recovery-gate/core';
import { attribute, type KcUser } from '../client/users.js';
import type { KcSession } from '../client.js';
import { type Refusals, refuse } from './reads.js';

/** One observed value of a field at a time. */
interface Observation {
  readonly time: number;
  readonly email?: string;
  readonly phone?: string;
}

type Field = 'email' | 'phone';

function fromRepresentation(time: number, raw: string | undefined, phoneAttr: string): Observation | null {
  if (raw === undefined) return null;
  try {
    const rep = JSON.parse(raw) as { email?: unknown; attributes?: Record<string, unknown> };
    const phones = rep.attributes?.[phoneAttr];
    const phone = Array.isArray(phones) && typeof phones[0] === 'string' ? phones[0] : undefined;
    return {
      time,
      ...(typeof rep.email === 'string' ? { email: rep.email } : {}),
      ...(phone === undefined ? {} : { phone }),
    };
  } catch {
    return null;
  }
}

/** Reads the observations; null when events cannot be read (then every date is unknown). */
async function observe(
  s: KcSession,
  user: KcUser,
  refusals?: Refusals,
): Promise<{ list: Observation[]; auditing: boolean } | null> {
  const phoneAttr = s.config.phoneAttribute;
  try {
    const [self, config, admin, login] = await Promise.all([
      s.selfUserId(),
      s.call((kc) => kc.realms.getConfigEvents({ realm: s.realm })),
      s.call((kc) =>
        kc.realms.findAdminEvents({
          realm: s.realm,
          resourcePath: `users/${user.id}`,
          resourceTypes: 'USER',
          max: 100,
        }),
      ),
      s.call((kc) =>
        kc.realms.findEvents({
          realm: s.realm,
          user: user.id,
          type: ['UPDATE_EMAIL', 'UPDATE_PROFILE'],
          max: 100,
        }),
      ),
    ]);
    const list: Observation[] = [];
    for (const e of admin) {
      if (e.operationType !== 'UPDATE' && e.operationType !== 'CREATE') continue;
      // The gate writes full representations (case status) but never changes a channel.
      if (e.authDetails?.userId === self) continue;
      const o = fromRepresentation(e.time ?? 0, e.representation, phoneAttr);
      if (o !== null) list.push(o);
    }
    for (const e of login) {
      const d = (e.details ?? {}) as Record<string, string>;
      const email = d.updated_email;
      const phone = d[`updated_${phoneAttr}`];
      list.push({
        time: e.time ?? 0,
        ...(email === undefined ? {} : { email }),
        ...(phone === undefined ? {} : { phone }),
      });
    }
    list.sort((a, b) => a.time - b.time);
    return {
      list,
      auditing: config.adminEventsEnabled === true && config.adminEventsDetailsEnabled === true,
    };
  } catch (error) {
    if (error instanceof GateError && error.code === 'ERR_IDP_FORBIDDEN') {
      if (refusals) refuse(refusals, 'events');
      return null;
    }
    throw error;
  }
}

/** When `field` last took its current value: the start of the final run of equal observations. */
function changedAt(
  list: readonly Observation[],
  field: Field,
  current: string,
  created: number,
  auditing: boolean,
): string | null {
  const seen = list.filter((o) => o[field] !== undefined);
  let start: number | null = null;
  for (let i = seen.length - 1; i >= 0; i--) {
    const o = seen[i] as Observation;
    if (o[field] !== current) break;
    start = o.time;
  }
  const last = seen.at(-1);
  if (last !== undefined && last[field] !== current) return null; // changed by a path we did not see
  if (start !== null) return new Date(start).toISOString();
  // Never changed while audited: on file since the account was created (only when admin events keep details).
  return auditing && created > 0 ? new Date(created).toISOString() : null;
}

/** The user's channels on file. */
export async function readChannels(s: KcSession, user: KcUser, refusals?: Refusals): Promise<Channel[]> {
  const observed = await observe(s, user, refusals);
  const list = observed?.list ?? [];
  const auditing = observed?.auditing ?? false;
  const created = observed === null ? 0 : (user.createdTimestamp ?? 0);
  const channels: Channel[] = [];
  if (typeof user.email === 'string' && user.email !== '') {
    channels.push({
      id: 'email:primary',
      kind: 'email',
      value: user.email,
      lastChangedAt: changedAt(list, 'email', user.email, created, auditing),
      verified: user.emailVerified === true,
      isAccountMailbox: true,
    });
  }
  const phone = attribute(user, s.config.phoneAttribute);
  if (phone !== null && phone !== '') {
    channels.push({
      id: 'phone:mobile',
      kind: 'phone',
      value: phone,
      lastChangedAt: changedAt(list, 'phone', phone, created, auditing),
      verified: attribute(user, `${s.config.phoneAttribute}Verified`) === 'true',
      isAccountMailbox: false,
    });
  }
  return channels;
}
