/**
 * Test access to the emulator: clock, faults, request log, deliveries, users, sessions, agent tokens;
 * and the notification deliverer (loopback only, mapped through `hookTargets`).
 * @module
 */

import { createWebhookDispatcher } from '@recovery-gate/emulator-kit';
import type { EmulatorControl } from './index.js';
import { findUser } from './lookup.js';
import { DEMO_PASSWORD, PORTAL_APP } from './seed.js';
import { loggedRequests, type ServerState } from './server.js';
import type { EmuUser, TenantState } from './state.js';
import { createSession, sessionValid } from './token.js';

/** One notification or validation delivery. */
export type Delivery = { url: string; status: number; validation: boolean };

/**
 * Posts to notification URLs mapped to loopback through the kit's webhook dispatcher (one attempt, 10 s:
 * Graph's validation timeout), logging each delivery.
 * @see https://learn.microsoft.com/graph/change-notifications-delivery-webhooks
 */
export function deliverer(hookTargets: Readonly<Record<string, string>>, log: Delivery[]) {
  const dispatcher = createWebhookDispatcher({ timeoutMs: 10_000, retries: 0 });
  const send = async (url: string, body: string, contentType: string) => {
    let target = url;
    for (const [from, to] of Object.entries(hookTargets))
      if (url.startsWith(from)) target = to + url.slice(from.length);
    if (!target.startsWith('http://127.0.0.1') && !target.startsWith('http://localhost')) {
      throw new Error('the emulator only delivers to loopback targets (map them with hookTargets)');
    }
    const result = await dispatcher.deliver(target, {
      headers: { 'content-type': contentType },
      body,
      readResponse: true,
    });
    return { status: result.status ?? 0, text: result.responseBody ?? '' };
  };
  return async (url: string, body: string, contentType: string) => {
    const entry: Delivery = {
      url: url.split('?')[0] ?? url,
      status: 0,
      validation: url.includes('validationToken='),
    };
    log.push(entry);
    const answer = await send(url, body, contentType);
    entry.status = answer.status;
    return answer;
  };
}

/** What {@link createControl} needs from the running emulator. */
export interface ControlDeps {
  readonly tenant: TenantState;
  now(): number;
  advance(ms: number): void;
  settle(): Promise<void>;
  readonly state: ServerState;
  readonly pending: Set<Promise<unknown>>;
  readonly deliveries: Delivery[];
  readonly url: string;
  readonly authority: string;
}

/** Builds the control object. */
export function createControl(deps: ControlDeps): EmulatorControl {
  const { tenant, now, state, pending, deliveries, url, authority } = deps;
  const userOf = (login: string): EmuUser => {
    const user = findUser(tenant, login) ?? findUser(tenant, `${login}@example.com`);
    if (!user) throw new Error(`no such user: ${login}`);
    return user;
  };
  return {
    tenant,
    now,
    advanceClock: (ms) => deps.advance(ms),
    settleRevocations: () => deps.settle(),
    setAuditLatency: (ms) => {
      tenant.auditLatencyMs = ms;
    },
    injectFault: (fault) => state.faults.inject(fault),
    requestCount: () => state.faults.requestCount(),
    get requests() {
      return loggedRequests(state.faults);
    },
    deliveries,
    flush: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    user: userOf,
    mintSession: (login) => {
      const session = createSession(tenant, userOf(login), now(), null);
      return { refreshToken: session.refreshToken, sessionId: session.id };
    },
    sessionActive: (id) => {
      const session = tenant.sessions.get(id);
      return session !== undefined && sessionValid(tenant, session, now());
    },
    agentToken: async (login) => {
      const user = userOf(login);
      const response = await fetch(`${url}/${tenant.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-host': new URL(authority).host,
        },
        body: new URLSearchParams({
          grant_type: 'password',
          client_id: PORTAL_APP.clientId,
          username: user.userPrincipalName,
          password: user.password === DEMO_PASSWORD ? DEMO_PASSWORD : user.password,
          scope: 'https://graph.microsoft.com/.default',
        }),
      });
      const body = (await response.json()) as { access_token?: string; error_description?: string };
      if (!body.access_token)
        throw new Error(`agent sign-in failed: ${body.error_description ?? response.status}`);
      return body.access_token;
    },
  };
}
