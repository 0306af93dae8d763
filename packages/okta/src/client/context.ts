/**
 * What every operation of the adapter shares: the SDK client, config, clock, error mapping, and small
 * lookups cached for the adapter's lifetime (group ids by name, the gate's own principal ids).
 * @module
 */

import type { Client } from '@okta/okta-sdk-nodejs';
import { GateError, type Secret } from '@recovery-gate/core';
import type { ProviderConfig } from '../config.js';
import { type Subject, toGateError } from '../errors.js';

/** The adapter's shared context. */
export interface OktaContext {
  readonly client: Client;
  readonly config: ProviderConfig;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** Runs one Okta call, mapping failures to GateError. */
  call<T>(op: string, subject: Subject, fn: () => Promise<T>): Promise<T>;
  /** Like `call`, but a 404 resolves to null. */
  optional<T>(op: string, fn: () => Promise<T>): Promise<T | null>;
  /** The id of a group by exact name, or null (cached once found). */
  groupId(name: string): Promise<string | null>;
  /** Forgets a cached group id (after a delete, or a 404). */
  forgetGroup(name: string): void;
  /**
   * The id of the org's Temporary Access Code authenticator, cached for {@link ORG_LOOKUP_TTL_MS}: it is
   * org-wide and changes only when an admin recreates the authenticator. Null when the org has none.
   */
  tacAuthenticatorId(): Promise<string | null>;
  /** The TAC authenticator with its org-level settings (null settings when Okta did not return them). */
  tacAuthenticator(): Promise<TacAuthenticator | null>;
  /** Forgets the cached TAC authenticator id (after a call that used it failed). */
  forgetTacAuthenticator(): void;
  /** Ids of the gate's own principal (config + the token owner / service app). */
  principalIds(): Promise<ReadonlySet<string>>;
  /** Remembers a secret so error details never echo it. */
  rememberSecret(secret: Secret): void;
}

/** A raw JSON object from Okta. */
export type Json = Record<string, unknown>;

/** Reads a field of an unknown object. */
export function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Json)[key] : undefined;
}

/** A string field, or null. */
export function text(value: unknown, key: string): string | null {
  const v = field(value, key);
  return typeof v === 'string' ? v : null;
}

/** An ISO string from a Date or a string, or null. */
export function isoOf(value: unknown): string | null {
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.toISOString() : null;
  if (typeof value !== 'string') return null;
  // Parsed once (every hook event's `published` passes here).
  const at = Date.parse(value);
  return Number.isFinite(at) ? new Date(at).toISOString() : null;
}

/** How long an org-level lookup (the TAC authenticator id) is trusted before it is read again. */
export const ORG_LOOKUP_TTL_MS = 10 * 60_000;

/** How many recently issued credentials error details are scrubbed of. */
const RECENT_SECRETS = 100;

/** Builds the context. */
export function createContext(
  client: Client,
  config: ProviderConfig,
  deps: { now: () => Date; sleep: (ms: number) => Promise<void> },
  baseSecrets: readonly Secret[],
): OktaContext {
  const secrets: Secret[] = [...baseSecrets];
  const groups = new Map<string, string>();
  let principals: Promise<ReadonlySet<string>> | undefined;
  let tac: { readonly id: Promise<TacAuthenticator | null>; readonly at: number } | undefined;
  const reveal = (): string[] => secrets.map((s) => s.reveal());

  const ctx: OktaContext = {
    client,
    config,
    now: deps.now,
    sleep: deps.sleep,
    async call(op, subject, fn) {
      try {
        return await fn();
      } catch (error) {
        throw toGateError(error, { operation: op, notFound: subject, secrets: reveal() });
      }
    },
    async optional(op, fn) {
      try {
        return await fn();
      } catch (error) {
        const mapped = toGateError(error, { operation: op, secrets: reveal() });
        if (mapped.details.status === 404) return null;
        throw mapped;
      }
    },
    async groupId(name) {
      const cached = groups.get(name);
      if (cached) return cached;
      const collection = await ctx.call('listGroups', 'group', () =>
        client.groupApi.listGroups({ q: name, limit: 200 }),
      );
      const found = await ctx.call('listGroups', 'group', async () => {
        for await (const group of collection) {
          if (group === null) break;
          if (group.profile?.name === name && group.id) return group.id;
        }
        return null;
      });
      if (found) groups.set(name, found);
      return found;
    },
    forgetGroup: (name) => void groups.delete(name),
    async tacAuthenticatorId() {
      return (await ctx.tacAuthenticator())?.id ?? null;
    },
    tacAuthenticator() {
      const now = deps.now().getTime();
      if (tac === undefined || now - tac.at >= ORG_LOOKUP_TTL_MS || now < tac.at) {
        const entry = { id: findTacAuthenticator(ctx), at: now };
        tac = entry;
        // A failed or empty lookup is not cached: the next call asks again.
        entry.id.then(
          (id) => {
            if (id === null && tac === entry) tac = undefined;
          },
          () => {
            if (tac === entry) tac = undefined;
          },
        );
      }
      return tac.id;
    },
    forgetTacAuthenticator: () => {
      tac = undefined;
    },
    principalIds() {
      principals ??= resolvePrincipals(ctx).catch((error: unknown) => {
        principals = undefined;
        throw error;
      });
      return principals;
    },
    rememberSecret(secret) {
      secrets.push(secret);
      // Keep the configured secrets and the most recent issued ones (a long-running gate issues many).
      if (secrets.length > baseSecrets.length + RECENT_SECRETS) secrets.splice(baseSecrets.length, 1);
    },
  };
  return ctx;
}

/** The org's TAC authenticator: its id and the lifetime and reuse its settings allow. */
export interface TacAuthenticator {
  readonly id: string;
  /** From `provider.configuration`; null when Okta did not return them (then only 10-14,400 minutes is known). */
  readonly settings: {
    readonly minTtl: number;
    readonly maxTtl: number;
    readonly multiUseAllowed: boolean;
  } | null;
}

function tacSettings(authenticator: unknown): TacAuthenticator['settings'] {
  const config = field(field(authenticator, 'provider'), 'configuration');
  const min = Number(field(config, 'minTtl'));
  const max = Number(field(config, 'maxTtl'));
  if (!Number.isInteger(min) || !Number.isInteger(max)) return null;
  return { minTtl: min, maxTtl: max, multiUseAllowed: field(config, 'multiUseAllowed') === true };
}

async function findTacAuthenticator(ctx: OktaContext): Promise<TacAuthenticator | null> {
  return ctx.call('listAuthenticators', 'other', async () => {
    for await (const authenticator of await ctx.client.authenticatorApi.listAuthenticators()) {
      if (authenticator === null) break;
      if (authenticator.key === 'tac' && authenticator.id)
        return { id: authenticator.id, settings: tacSettings(authenticator) };
    }
    return null;
  });
}

async function resolvePrincipals(ctx: OktaContext): Promise<ReadonlySet<string>> {
  const ids = new Set(ctx.config.gatePrincipal.ids);
  const auth = ctx.config.auth;
  if ('clientId' in auth) {
    ids.add(auth.clientId);
    return ids;
  }
  // An SSWS token acts as its owner: GET /api/v1/users/me names it.
  const me = await ctx.call('getUser(me)', 'other', () => ctx.client.userApi.getUser({ userId: 'me' }));
  if (!me.id) throw new GateError('ERR_IDP_RESPONSE_INVALID', 'Okta did not name the API token owner');
  ids.add(me.id);
  return ids;
}
