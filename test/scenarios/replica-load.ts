/**
 * Request load for the replica scenarios, as each IdP delivers it: Okta event hooks posted to the live
 * replicas in turn (10% delivered twice, to another replica); on Entra and Keycloak an agent adding
 * synthetic users to the request group in the console (Entra notifies through the load balancer and the
 * gate reads the group delta; Keycloak's admin events are polled). "Acknowledged" is a 2xx to the hook, or
 * the IdP's acceptance of the console action.
 * @module
 */

import { randomUUID } from 'node:crypto';
import type { Store } from '@recovery-gate/gate';
import { expect } from 'vitest';
import { deliver, type GateProcess, requestHookBody, until } from './process.js';
import type { ProcessTenant } from './tenants.js';

/** Okta's load subjects (their requests open one case each and join it afterwards). */
const OKTA_LOAD = ['bob', 'carol', 'dave'];

/** A running load. */
export interface RequestLoad {
  /** One more request for `subject`, acknowledged (throws otherwise). */
  request(subject: string): Promise<void>;
  stop(): Promise<void>;
  /** How many requests were acknowledged. */
  acknowledged(): number;
  /** Waits until every acknowledged request is in the inbox (read from the IdP, for the polled ones). */
  settled(store: Store): Promise<void>;
  /** Checks that each acknowledged request was processed, into exactly one case of its subject. */
  check(store: Store): Promise<void>;
}

function oktaLoad(tenant: ProcessTenant, live: () => readonly GateProcess[]): RequestLoad {
  const acked = new Set<string>();
  const emulator = tenant.oktaEmulator;
  if (emulator === undefined) throw new Error('not an Okta tenant');
  let stopped = false;
  const run = (async () => {
    for (let i = 0; !stopped; i += 1) {
      const replicas = live();
      const target = replicas[i % replicas.length];
      if (target !== undefined) {
        const uuid = randomUUID();
        const body = requestHookBody({ emulator }, uuid, OKTA_LOAD[i % OKTA_LOAD.length] as string);
        if (await deliver(target.url, body)) acked.add(uuid);
        const other = replicas[(i + 1) % replicas.length];
        if (i % 10 === 0 && other !== undefined) await deliver(other.url, body);
      }
      // Pacing of the load generator (about 20 hooks a second), not a wait for state.
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async request(subject) {
      const target = live()[0];
      const delivered =
        target !== undefined &&
        (await deliver(target.url, requestHookBody({ emulator }, randomUUID(), subject)));
      expect(delivered).toBe(true);
    },
    async stop() {
      stopped = true;
      await run;
    },
    acknowledged: () => acked.size,
    settled: async () => undefined,
    async check(store) {
      const inbox = await store.query<{ event_id: string; status: string }>(
        "SELECT event_id, status FROM gate_inbox WHERE idp = 'okta'",
      );
      const stored = new Map(inbox.map((r) => [r.event_id, r.status]));
      expect([...acked].filter((uuid) => stored.get(uuid) !== 'done')).toEqual([]);
    },
  };
}

function consoleLoad(tenant: ProcessTenant, users: number): RequestLoad {
  const acked = new Set<string>();
  const native = tenant.probes.nativeRequest;
  if (native === undefined) throw new Error(`${tenant.idp} has no console request probe`);
  let stopped = false;
  const run = (async () => {
    for (let i = 1; i <= users && !stopped; i += 1) {
      const user = tenant.id(`load:${i}`);
      await native(user);
      acked.add(user);
      // Pacing of the load generator (about 3 console actions a second), not a wait for state.
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  const requested = async (store: Store) =>
    new Map(
      (
        await store.query<{ subject: string; n: number }>(
          `SELECT payload->'subject'->>'userId' AS subject, count(*)::int AS n FROM gate_inbox
            WHERE kind = 'recovery_requested' GROUP BY 1`,
        )
      ).map((r) => [r.subject, r.n]),
    );
  return {
    async request(subject) {
      await native(tenant.id(subject));
    },
    async stop() {
      stopped = true;
      await run;
    },
    acknowledged: () => acked.size,
    async settled(store) {
      await until(
        async () => {
          const seen = await requested(store);
          return [...acked].every((u) => (seen.get(u) ?? 0) > 0);
        },
        180_000,
        'every acknowledged console request to be read from the IdP',
      );
    },
    async check(store) {
      const seen = await requested(store);
      // One request event per console action (the IdP's event id is the idempotency key).
      expect([...acked].filter((u) => seen.get(u) !== 1)).toEqual([]);
      const cases = new Map(
        (
          await store.query<{ subject_id: string; n: number; failed: number }>(
            `SELECT subject_id, count(*)::int AS n, count(*) FILTER (WHERE state = 'failed')::int AS failed
               FROM cases WHERE kind = 'recovery' GROUP BY 1`,
          )
        ).map((r) => [r.subject_id, r]),
      );
      expect([...acked].filter((u) => cases.get(u)?.n !== 1 || cases.get(u)?.failed !== 0)).toEqual([]);
    },
  };
}

/** Starts the request load on `tenant` (Okta: hooks to `live()` replicas; others: console actions). */
export function startRequestLoad(tenant: ProcessTenant, live: () => readonly GateProcess[]): RequestLoad {
  return tenant.idp === 'okta' ? oktaLoad(tenant, live) : consoleLoad(tenant, 600);
}
