/**
 * A seeded store for the console's tests: finished and open cases on the three IdPs as the engine leaves
 * them (outcomes, reasons, restore times), bypass incidents (one remediated), and the reviews the review
 * timer opens for them. Hostile strings sit in logins to test escaping.
 * @module
 */

import { randomUUID } from 'node:crypto';
import { baselinePolicy } from '@recovery-gate/core';
import { sweepReviews } from '../reviews/index.js';
import type { AuditLog, Notifier, Store } from '../types.js';

/** A login a spreadsheet would run as a formula. */
export const FORMULA_LOGIN = '=HYPERLINK("http://evil.example/x","click")';
/** A login that would be markup if it were not escaped. */
export const MARKUP_LOGIN = '<img src=x onerror=alert(1)>@example.com';

/** One seeded case. */
export interface SeedCase {
  readonly idp: 'okta' | 'entra' | 'keycloak';
  readonly subject: string;
  readonly login: string;
  readonly action?: string;
  readonly tier: string | null;
  readonly state: string;
  readonly reason?: string;
  readonly kind?: 'recovery' | 'incident';
  /** Minutes from request to completion (completed cases). */
  readonly minutes?: number;
  /** Hours before `now` the case was opened. */
  readonly hoursAgo: number;
  readonly requester?: string;
  readonly approvers?: readonly string[];
  /** Journal steps done (an incident's `revoke` means remediated). */
  readonly steps?: readonly string[];
}

/** Inserts `c` as the engine leaves it; returns its id. */
export async function seedCase(store: Store, now: Date, c: SeedCase): Promise<string> {
  const id = randomUUID();
  const created = new Date(now.getTime() - c.hoursAgo * 3_600_000);
  const completed = c.minutes === undefined ? null : new Date(created.getTime() + c.minutes * 60_000);
  await store.query(
    `INSERT INTO cases (id, kind, idp, subject_id, subject_login, action, requester_id, state, tier, reason,
       created_at, updated_at, completed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      id,
      c.kind ?? 'recovery',
      c.idp,
      c.subject,
      c.login,
      c.action ?? 'mfa_reset',
      c.requester ?? 'agent-frank',
      c.state,
      c.tier,
      c.reason ?? null,
      created.toISOString(),
      (completed ?? created).toISOString(),
      completed?.toISOString() ?? null,
    ],
  );
  for (const person of c.approvers ?? [])
    await store.query(
      `INSERT INTO case_approvals (case_id, person_id, role, decision, reason, at)
       VALUES ($1, $2, 'security_team', 'approve', 'checked', $3)`,
      [id, person, created.toISOString()],
    );
  for (const step of c.steps ?? [])
    await store.query(
      `INSERT INTO case_journal (case_id, step, state, updated_at) VALUES ($1, $2, 'done', $3)`,
      [id, step, created.toISOString()],
    );
  return id;
}

/** What {@link seedConsole} made. */
export interface Seeded {
  /** The privileged (T4) recovery whose review an approver took part in. */
  readonly privileged: string;
  readonly approver: string;
  readonly all: readonly string[];
}

/** Seeds a month of activity and opens its reviews. `id` maps a cast name to its IdP id. */
export async function seedConsole(
  deps: { store: Store; audit: AuditLog; notifier: Notifier; now: () => Date },
  id: (name: string) => string,
): Promise<Seeded> {
  const { store } = deps;
  const now = deps.now();
  const cases: SeedCase[] = [
    {
      idp: 'okta',
      subject: id('alice'),
      login: 'alice@example.com',
      tier: 'T2',
      state: 'completed',
      minutes: 12,
      hoursAgo: 30,
    },
    {
      idp: 'okta',
      subject: id('bob'),
      login: 'bob@example.com',
      tier: 'T2',
      state: 'completed',
      minutes: 18,
      hoursAgo: 50,
    },
    {
      idp: 'okta',
      subject: id('erin'),
      login: 'erin@example.com',
      tier: 'T2',
      state: 'completed',
      minutes: 45,
      hoursAgo: 70,
    },
    {
      idp: 'okta',
      subject: id('alice'),
      login: 'alice@example.com',
      tier: 'T1',
      state: 'completed',
      minutes: 6,
      hoursAgo: 90,
      action: 'password_reset',
    },
    {
      idp: 'entra',
      subject: 'e-alice',
      login: 'alice@example.com',
      tier: 'T2',
      state: 'completed',
      minutes: 25,
      hoursAgo: 100,
    },
    {
      idp: 'entra',
      subject: 'e-bob',
      login: FORMULA_LOGIN,
      tier: 'T2',
      state: 'denied',
      reason: 'CHANNEL_TOO_NEW: the phone was changed 2 days ago',
      hoursAgo: 120,
    },
    {
      idp: 'keycloak',
      subject: 'k-dave',
      login: 'dave',
      tier: 'CONTRACTOR',
      state: 'denied',
      reason: 'CONTRACT_EXPIRED: the contract ended',
      hoursAgo: 140,
    },
    {
      idp: 'okta',
      subject: id('dave'),
      login: 'dave@example.com',
      tier: 'CONTRACTOR',
      state: 'denied',
      reason: 'CONTRACT_EXPIRED: the contract ended',
      hoursAgo: 160,
    },
    {
      idp: 'okta',
      subject: id('bob'),
      login: MARKUP_LOGIN,
      tier: 'T2',
      state: 'cancelled',
      reason: "subject: this wasn't me",
      hoursAgo: 20,
    },
    {
      idp: 'keycloak',
      subject: 'k-bob',
      login: 'bob',
      tier: 'T2',
      state: 'cancelled',
      reason: 'request_withdrawn',
      hoursAgo: 10,
    },
    {
      idp: 'keycloak',
      subject: 'k-alice',
      login: 'alice',
      tier: 'T2',
      state: 'failed',
      reason: 'reset_failed',
      hoursAgo: 8,
    },
    {
      idp: 'okta',
      subject: id('erin'),
      login: 'erin@example.com',
      tier: 'T2',
      state: 'verifying',
      hoursAgo: 2,
    },
    {
      idp: 'okta',
      subject: 'o-grace',
      login: 'grace@example.com',
      kind: 'incident',
      tier: null,
      state: 'completed',
      reason: 'bypass:native_password_reset',
      requester: id('frank'),
      hoursAgo: 26,
      steps: ['revoke', 'remove_new', 'alert'],
    },
    {
      idp: 'entra',
      subject: 'e-grace',
      login: 'grace@example.com',
      kind: 'incident',
      tier: null,
      state: 'completed',
      reason: 'bypass:native_authenticator_reset',
      requester: 'e-frank',
      hoursAgo: 48,
    },
  ];
  const all: string[] = [];
  for (const c of cases) all.push(await seedCase(store, now, c));
  const approver = id('ivan');
  const privileged = await seedCase(store, now, {
    idp: 'okta',
    subject: id('carol'),
    login: 'carol@example.com',
    tier: 'T4',
    state: 'completed',
    minutes: 250,
    hoursAgo: 6,
    approvers: [approver, id('gina')],
  });
  all.push(privileged);
  await sweepReviews(
    { ...deps },
    { reviewerGroups: ['SecurityTeam'], dueSeconds: 72 * 3600, remindSeconds: 24 * 3600 },
    baselinePolicy,
  );
  return { privileged, approver, all };
}
