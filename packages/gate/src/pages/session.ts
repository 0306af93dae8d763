/**
 * Server-side sessions for the pages: a random id in a signed, HttpOnly, SameSite=Lax cookie; the data
 * (who signed in, the pending link, the OIDC transaction, the CSRF token) lives in a table. Only the
 * SHA-256 of the id is stored. A sign-in rotates the id (no session fixation).
 * @module
 */

import { createHash, createHmac, randomBytes } from 'node:crypto';
import { type DeviceChallenge, type Secret, secretsEqual } from '@recovery-gate/core';
import type { Migration, Queryable } from '../types.js';
import { OTP_MIGRATION, sweepOtp } from './otp.js';

/** The pages' tables. */
export const PAGES_MIGRATIONS: readonly Migration[] = [
  {
    id: '0500_pages_sessions',
    sql: `CREATE TABLE IF NOT EXISTS page_sessions (
  id_hash TEXT PRIMARY KEY,
  data TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS page_sessions_expires ON page_sessions (expires_at);`,
  },
  OTP_MIGRATION,
];

/** What a session holds (never a credential, never a link token after it was consumed). */
export interface SessionData {
  /** The synchronizer CSRF token of this session. */
  csrf: string;
  /** The signed-in person (ID token subject) and the IdP they signed in with. */
  sub?: string;
  idp?: string;
  name?: string;
  /** What the sign-in achieved. */
  acr?: string | null;
  amr?: readonly string[];
  authTime?: number;
  /** The case and purpose this session was bound to by a consumed link. */
  caseId?: string;
  purpose?: string;
  role?: string | null;
  /**
   * A link waiting for sign-in, by the SHA-256 of its token only (the token leaves the URL at once and is
   * never stored in clear).
   */
  pendingLink?: { readonly tokenHash: string; readonly purpose: string; readonly caseId: string };
  /** The hash of the approval link this session decides with: spent by the decision, not by opening it. */
  approveLink?: string;
  /** The OIDC transaction in flight. */
  oidc?: {
    readonly state: string;
    readonly nonce: string;
    readonly verifier: string;
    readonly idp: string;
    readonly intent: string;
    readonly caseId: string | null;
    readonly maxAge: number | null;
    readonly acrValues?: string | null;
  };
  /** The case whose credential may be shown once, after a fresh re-verification. */
  reveal?: string;
  /** A push sent to prove possession from a link when the subject cannot sign in (see prove.ts). */
  linkPush?: { readonly caseId: string; readonly challenge: DeviceChallenge; readonly sends: number };
  /** Read-only case view access, granted from the IdP's groups. */
  viewer?: boolean;
  /** Until when (epoch ms) a step-up sign-in lets this person issue or void their own recovery codes. */
  codesUntil?: number;
  /** May raise cases at the gate (a help-desk agent per the IdP's groups, signed in with MFA). */
  agent?: boolean;
  /** One-shot message for the next page. */
  flash?: string;
  /** Where to continue an identity verification this session started (provider URL), by case. */
  idvContinue?: { readonly caseId: string; readonly url: string };
}

/** A loaded session. */
export interface Session {
  readonly id: string;
  data: SessionData;
}

/** Session settings. */
export interface SessionOptions {
  /** Signs the cookie. */
  readonly secret: Secret;
  readonly now: () => Date;
  /** `Secure` and the `__Host-` prefix when the gate is served over https. */
  readonly https: boolean;
  /** @default 1800 (30 minutes) */
  readonly ttlSeconds?: number;
}

/** The session store. */
export interface Sessions {
  readonly cookieName: string;
  load(q: Queryable, cookie: string | null): Promise<Session | null>;
  create(q: Queryable, data?: Partial<SessionData>): Promise<Session>;
  save(q: Queryable, session: Session): Promise<void>;
  destroy(q: Queryable, session: Session): Promise<void>;
  /** A new id for the same data (after sign-in); the old id stops working. */
  rotate(q: Queryable, session: Session): Promise<Session>;
  /** The Set-Cookie value for a session. */
  cookie(session: Session): string;
}

const SWEEP_EVERY_MS = 60_000;

const hashId = (id: string): string => createHash('sha256').update(id).digest('hex');

/** A random URL-safe token. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Creates the session store. */
export function createSessions(options: SessionOptions): Sessions {
  const ttl = options.ttlSeconds ?? 1800;
  const cookieName = options.https ? '__Host-rg_session' : 'rg_session';
  const sign = (id: string) => createHmac('sha256', options.secret.reveal()).update(id).digest('base64url');
  const expires = () => new Date(options.now().getTime() + ttl * 1000).toISOString();
  let sweptAt = Number.NEGATIVE_INFINITY;
  const insert = async (q: Queryable, data: SessionData): Promise<Session> => {
    const now = options.now();
    // Expired sessions and codes are deleted as new sessions come, at most once a minute per process.
    if (now.getTime() - sweptAt >= SWEEP_EVERY_MS) {
      sweptAt = now.getTime();
      await q.query('DELETE FROM page_sessions WHERE expires_at <= $1', [now.toISOString()]);
      await sweepOtp(q, now);
    }
    const id = randomToken();
    await q.query(
      'INSERT INTO page_sessions (id_hash, data, created_at, expires_at) VALUES ($1, $2, $3, $4)',
      [hashId(id), JSON.stringify(data), options.now().toISOString(), expires()],
    );
    return { id, data };
  };
  return {
    cookieName,
    async load(q, cookie) {
      if (cookie === null) return null;
      const dot = cookie.lastIndexOf('.');
      if (dot <= 0) return null;
      const id = cookie.slice(0, dot);
      if (!secretsEqual(sign(id), cookie.slice(dot + 1))) return null;
      const rows = await q.query<{ data: string; expires_at: string | Date }>(
        'SELECT data, expires_at FROM page_sessions WHERE id_hash = $1',
        [hashId(id)],
      );
      const row = rows[0];
      if (!row || new Date(row.expires_at).getTime() <= options.now().getTime()) return null;
      return { id, data: JSON.parse(row.data) as SessionData };
    },
    create: (q, data = {}) => insert(q, { csrf: randomToken(), ...data }),
    async save(q, session) {
      await q.query('UPDATE page_sessions SET data = $2, expires_at = $3 WHERE id_hash = $1', [
        hashId(session.id),
        JSON.stringify(session.data),
        expires(),
      ]);
    },
    async destroy(q, session) {
      await q.query('DELETE FROM page_sessions WHERE id_hash = $1', [hashId(session.id)]);
    },
    async rotate(q, session) {
      await q.query('DELETE FROM page_sessions WHERE id_hash = $1', [hashId(session.id)]);
      return insert(q, { ...session.data, csrf: randomToken() });
    },
    cookie(session) {
      const secure = options.https ? '; Secure' : '';
      return `${cookieName}=${session.id}.${sign(session.id)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${ttl}${secure}`;
    },
  };
}
