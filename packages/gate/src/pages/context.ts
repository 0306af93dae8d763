/**
 * What the pages need from the gate (resolved per request, so they can be mounted before it starts),
 * their settings, and the per-request helpers every page uses (session, CSRF, rendering).
 * @module
 */

import type { IdpKind, RecoveryProvider, Secret } from '@recovery-gate/core';
import { type AuditVerification, createAuditVerifier } from '../audit/export.js';
import type { RecoveryCodesSettings } from '../codes/config.js';
import { createRecoveryCodes, type RecoveryCodes } from '../codes/service.js';
import type { IdvService } from '../idv/index.js';
import type { ApproverRole, CaseEngine } from '../orchestrator/index.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import type { AuditLog, Logger, Metrics, Notifier, Store } from '../types.js';
import { layout, messagePage, type SafeHtml, type Tone } from './html.js';
import type { OidcClients, OidcSignIn } from './oidc.js';
import { htmlResponse, readCookie } from './respond.js';
import { createSessions, PAGES_MIGRATIONS, type Session, type Sessions } from './session.js';

/** The case API the pages call (the orchestrator's case engine). */
export type PagesEngine = Pick<
  CaseEngine,
  | 'getCase'
  | 'listCases'
  | 'recordEvidence'
  | 'recordApproval'
  | 'cancel'
  | 'consumeLink'
  | 'consumeLinkHash'
  | 'claimCredential'
  | 'confirmDelivery'
  | 'pendingChallenge'
  | 'openCase'
  | 'closeIncident'
>;

/** The gate's parts the pages use. */
export interface PagesDeps {
  readonly engine: PagesEngine;
  readonly store: Store;
  readonly providers: ReadonlyMap<IdpKind, RecoveryProvider>;
  readonly notifier: Notifier;
  readonly audit: AuditLog;
  /** The public base URL (callback and links). */
  readonly baseUrl: string;
  readonly logger: Logger;
  /** Counts refused link uses; optional so embedders without metrics still serve pages. */
  readonly metrics?: Metrics;
  /** Remote identity proofing; without it the step is not offered. */
  readonly idv?: IdvService;
}

/** Settings of the pages. */
export interface PagesSettings {
  /** Sign-in per IdP (step-up values left out come from the adapter's `settings.signIn`). */
  readonly oidc: Partial<Record<IdpKind, OidcSignIn>>;
  /** Signs session cookies. */
  readonly sessionSecret: Secret;
  /** Who may open the read-only case view: the IdP to sign in with and the groups that grant access. */
  readonly viewer: { readonly idp: IdpKind; readonly groups: readonly string[] };
  /** Groups whose members may close post-event reviews (and open the console). @default ['SecurityTeam'] */
  readonly reviewerGroups?: readonly string[];
  /** Saved recovery codes issued by the gate; without it no code is issued and the step is not offered. */
  readonly recoveryCodes?: RecoveryCodesSettings;
  /** The groups of each pool approver role, as the policy engine's `roleGroups` (pages check them before a link is used). */
  readonly approverGroups?: Partial<Readonly<Record<ApproverRole, readonly string[]>>>;
  /** @default 'Recovery Gate' */
  readonly gateName?: string;
  /** Session lifetime. @default 1800 */
  readonly sessionTtlSeconds?: number;
  readonly now?: () => Date;
}

/** The pages' runtime. */
export interface PagesCtx {
  readonly deps: () => PagesDeps;
  readonly settings: PagesSettings;
  readonly oidc: OidcClients;
  readonly now: () => Date;
  sessions(): Sessions;
  /** Verifies the audit chain, in full once and then only what was appended since (see createAuditVerifier). */
  verifyAudit(): Promise<AuditVerification>;
  /** Runs the pages' migrations once. */
  ready(): Promise<void>;
  /** The recovery-code service, or null when codes are not configured. */
  codes(): RecoveryCodes | null;
}

/** Builds the runtime. */
export function createPagesCtx(deps: () => PagesDeps, settings: PagesSettings, oidc: OidcClients): PagesCtx {
  const now = settings.now ?? (() => new Date());
  let sessions: Sessions | undefined;
  let verifier: (() => Promise<AuditVerification>) | undefined;
  let migrated: Promise<void> | undefined;
  let codes: RecoveryCodes | undefined;
  return {
    deps,
    settings,
    oidc,
    now,
    sessions() {
      sessions ??= createSessions({
        secret: settings.sessionSecret,
        now,
        https: deps().baseUrl.startsWith('https://'),
        ...(settings.sessionTtlSeconds === undefined ? {} : { ttlSeconds: settings.sessionTtlSeconds }),
      });
      return sessions;
    },
    verifyAudit() {
      verifier ??= createAuditVerifier(deps().store);
      return verifier();
    },
    codes() {
      if (settings.recoveryCodes === undefined) return null;
      const d = deps();
      codes ??= createRecoveryCodes(
        {
          store: d.store,
          notifier: d.notifier,
          audit: d.audit,
          logger: d.logger,
          ...(d.metrics === undefined ? {} : { metrics: d.metrics }),
          now,
        },
        settings.recoveryCodes,
      );
      return codes;
    },
    ready() {
      migrated ??= deps()
        .store.migrate(PAGES_MIGRATIONS)
        .catch((error: unknown) => {
          migrated = undefined;
          throw error;
        });
      return migrated;
    },
  };
}

/** Loads the request's session, or null. */
export async function loadSession(p: PagesCtx, ctx: RequestContext): Promise<Session | null> {
  await p.ready();
  const s = p.sessions();
  return s.load(p.deps().store, readCookie(ctx, s.cookieName));
}

/** Loads the request's session or starts one; `fresh` says whether a cookie must be set. */
export async function ensureSession(
  p: PagesCtx,
  ctx: RequestContext,
): Promise<{ readonly session: Session; readonly fresh: boolean }> {
  const found = await loadSession(p, ctx);
  if (found) return { session: found, fresh: false };
  return { session: await p.sessions().create(p.deps().store), fresh: true };
}

/** Saves a session and returns the Set-Cookie header for it. */
export async function persist(p: PagesCtx, session: Session): Promise<Record<string, string>> {
  await p.sessions().save(p.deps().store, session);
  return { 'set-cookie': p.sessions().cookie(session) };
}

/** Renders a full page. */
export function page(
  p: PagesCtx,
  status: number,
  title: string,
  body: SafeHtml,
  session: Session | null,
  extra: Readonly<Record<string, string>> = {},
): RouteResponse {
  const html = layout({
    title,
    body,
    who: session?.data.name ?? null,
    ...(p.settings.gateName === undefined ? {} : { gateName: p.settings.gateName }),
  });
  return htmlResponse(status, html, extra);
}

/** Renders a one-message page. */
export function message(
  p: PagesCtx,
  status: number,
  title: string,
  text: string,
  tone: Tone,
  session: Session | null = null,
  extra: SafeHtml | null = null,
): RouteResponse {
  const m = messagePage(title, text, tone, extra);
  return page(p, status, m.title, m.body, session);
}

/** The page for a link that is unknown, used, expired or meant for someone else. */
export function linkRefused(p: PagesCtx, session: Session | null = null): RouteResponse {
  return message(
    p,
    410,
    'This link can no longer be used',
    'Links are short-lived and work once, for the person they were sent to. If you still need to act on this recovery, ask for a new link.',
    'bad',
    session,
  );
}
