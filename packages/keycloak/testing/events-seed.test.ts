import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import type { NormalizedEvent } from '@recovery-gate/core';
import { createOpenApiValidator } from '@recovery-gate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GATE_CLIENT_ID, GATE_CLIENT_SECRET } from '../emulator/index.js';
import { createProvider } from '../src/index.js';
import { type EmulatorPair, startTestEnvironment } from './harness.js';

const specFile = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  ...['..', '..', '..', '..', 'shared', 'specs', 'keycloak-admin-26.5.2.yaml'],
);
// Without ../shared/specs (a clone on its own) the paging is still checked; the conformance part says it skipped.
const present = existsSync(specFile);
const note = present ? '' : ` (conformance skipped: ${specFile} not found)`;

let pair: EmulatorPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

describe('synthetic admin events (seed.adminEvents)', () => {
  it('pre-fills events over the last day, in order, in rounds of update, reset, credential removal, group add', async () => {
    const now = Date.now();
    pair = await startTestEnvironment({
      createProvider,
      emulator: { seed: { syntheticUsers: 5, adminEvents: 11 }, now: () => now },
    });
    const { realm } = pair.emu.control;
    const events = realm.adminEvents.slice(-11);
    expect(events.map((e) => `${e.operationType} ${e.resourceType}`).slice(0, 4)).toEqual([
      'UPDATE USER',
      'ACTION USER',
      'ACTION USER',
      'CREATE GROUP_MEMBERSHIP',
    ]);
    const [update, reset, removal, join] = events as [
      (typeof events)[0],
      (typeof events)[0],
      (typeof events)[0],
      (typeof events)[0],
    ];
    const subject = update.resourcePath.split('/')[1] as string;
    expect(reset.resourcePath).toBe(`users/${subject}/reset-password`);
    expect(removal.resourcePath).toMatch(new RegExp(`^users/${subject}/credentials/[0-9a-f-]{36}$`));
    expect(join.resourcePath).toMatch(new RegExp(`^users/${subject}/groups/[0-9a-f-]{36}$`));
    expect(JSON.parse(join.representation ?? '{}')).toMatchObject({ name: 'Staff', path: '/Staff' });
    expect(join.details?.username).toBe(realm.users.get(subject)?.username);
    // An admin (another user) acts in the admin console, never the subject and never the gate.
    expect(reset.authDetails.userId).not.toBe(subject);
    expect(reset.authDetails.userId).toBe(realm.users.get(reset.authDetails.userId)?.id);
    const times = events.map((e) => e.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBe(now - 86_400_000);
    expect(new Set(events.map((e) => e.id)).size).toBe(11);
  });

  it('pages in time order by dateFrom and direction, also when an event was stored out of order', async () => {
    pair = await startTestEnvironment({
      createProvider,
      emulator: { seed: { syntheticUsers: 5, adminEvents: 40 } },
    });
    const events = pair.emu.control.realm.adminEvents;
    const kc = new KcAdminClient({ baseUrl: pair.emu.url, realmName: pair.emu.realmName });
    await kc.auth({
      grantType: 'client_credentials',
      clientId: GATE_CLIENT_ID,
      clientSecret: GATE_CLIENT_SECRET,
    });
    const read = async (query: Record<string, unknown>) =>
      (await kc.realms.findAdminEvents({ realm: pair?.emu.realmName ?? '', ...query } as never)).map(
        (e) => (e as { time: number }).time,
      );
    const times = events.map((e) => e.time).sort((a, b) => a - b);
    const from = times[10] as number;
    const expectAsc = times.filter((t) => t >= from).slice(5, 15);
    expect(await read({ dateFrom: String(from), direction: 'asc', first: 5, max: 10 })).toEqual(expectAsc);
    expect(await read({ first: 0, max: 3 })).toEqual([...times].reverse().slice(0, 3));
    // A late event with an older time (out of order in storage) still pages in time order.
    events.push({ ...(events[0] as (typeof events)[number]), id: 'late', time: (times[0] as number) - 1 });
    expect((await read({ direction: 'asc', first: 0, max: 2 }))[0]).toBe((times[0] as number) - 1);
  });

  it(`serves every event once through the official admin client, page by page, and the pages conform${note}`, async () => {
    pair = await startTestEnvironment({
      createProvider,
      emulator: { seed: { syntheticUsers: 20, adminEvents: 2500 } },
    });
    const seeded = pair.emu.control.realm.adminEvents.length;
    const kc = new KcAdminClient({ baseUrl: pair.emu.url, realmName: pair.emu.realmName });
    await kc.auth({
      grantType: 'client_credentials',
      clientId: GATE_CLIENT_ID,
      clientSecret: GATE_CLIENT_SECRET,
    });
    const ids: string[] = [];
    const max = 1000;
    for (let first = 0; ; first += max) {
      const page = await kc.realms.findAdminEvents({
        realm: pair.emu.realmName,
        first,
        max,
      });
      ids.push(...page.map((e) => (e as { id: string }).id));
      if (page.length < max) break;
    }
    expect(ids).toHaveLength(seeded);
    expect(new Set(ids).size).toBe(seeded);
    const pages = pair.emu.control.exchanges().filter((x) => x.path.endsWith('/admin-events'));
    expect(pages).toHaveLength(Math.ceil((seeded + 1) / max));
    if (!present) return;
    const validator = createOpenApiValidator(parse(readFileSync(specFile, 'utf8')) as unknown);
    for (const x of pages) {
      const result = validator.validateResponse({
        method: 'GET',
        path: x.path,
        status: x.status,
        body: x.responseBody,
      });
      expect(result.problems).toEqual([]);
    }
  });

  it('reaches the adapter: one event per bypass, each once', async () => {
    pair = await startTestEnvironment({
      createProvider,
      emulator: { seed: { syntheticUsers: 10, adminEvents: 400 } },
    });
    const since = new Date(pair.emu.control.now() - 2 * 86_400_000).toISOString();
    const events: NormalizedEvent[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page = await pair.adapter.readEvents('admin_events', cursor, { since });
      events.push(...page.events);
      cursor = page.cursor;
      if (!page.more) break;
    }
    // 100 rounds: the profile update and the ordinary group add are not recoveries; the reset and the removal are.
    expect(events).toHaveLength(200);
    expect(events.filter((e) => e.kind === 'native_password_reset')).toHaveLength(100);
    expect(events.filter((e) => e.kind === 'native_authenticator_reset')).toHaveLength(100);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });
});
