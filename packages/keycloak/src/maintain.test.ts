import { afterEach, describe, expect, it } from 'vitest';
import { GATE_CLIENT_ID } from '../emulator/index.js';
import { clientByClientId } from '../emulator/state.js';
import { type EmulatorPair, startTestEnvironment } from '../testing/index.js';
import { RECOVERY_EVENT_TYPES } from './events/config.js';
import { createProvider } from './index.js';

let pair: EmulatorPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

const applied = () => startTestEnvironment({ createProvider, guardrailsApplied: true });
const eventsPuts = (p: EmulatorPair) =>
  p.emu.control.exchanges().filter((x) => x.method === 'PUT' && x.path.endsWith('/events/config')).length;

describe('maintain: the realm events config the gate polls', () => {
  it('does nothing while login and admin events are on', async () => {
    pair = await applied();
    expect(await pair.adapter.maintain?.()).toEqual({ done: [], nextExpiry: null });
    expect(eventsPuts(pair)).toBe(0);
  });

  it('turns login events, admin events and their representations back on and reports it', async () => {
    pair = await applied();
    const s = pair.emu.control.realm.settings;
    s.eventsEnabled = false;
    s.adminEventsEnabled = false;
    s.adminEventsDetailsEnabled = false;
    s.eventsExpiration = 86_400;
    const result = await pair.adapter.maintain?.();
    expect(result).toEqual({
      done: [{ kind: 'realm_events_config', name: 'workforce', op: 'restored' }],
      nextExpiry: null,
    });
    expect(s).toMatchObject({
      eventsEnabled: true,
      adminEventsEnabled: true,
      adminEventsDetailsEnabled: true,
      eventsExpiration: 86_400,
    });
    // The restore is itself an admin event, now recorded again; a second run has nothing to do.
    expect(pair.emu.control.realm.adminEvents.some((e) => e.resourcePath === 'events/config')).toBe(true);
    expect(await pair.adapter.maintain?.()).toEqual({ done: [], nextExpiry: null });
  });

  it('adds back the event types the gate reads to an explicit list, keeping the others', async () => {
    pair = await applied();
    const s = pair.emu.control.realm.settings;
    s.enabledEventTypes = ['LOGIN', 'CODE_TO_TOKEN'];
    expect((await pair.adapter.maintain?.())?.done).toHaveLength(1);
    expect(s.enabledEventTypes).toContain('CODE_TO_TOKEN');
    expect([...s.enabledEventTypes].sort()).toEqual(
      [...new Set([...RECOVERY_EVENT_TYPES, 'CODE_TO_TOKEN'])].sort(),
    );
  });

  it('fails with ERR_IDP_FORBIDDEN, changing nothing, when the gate lost manage-events', async () => {
    pair = await applied();
    const realm = pair.emu.control.realm;
    const rm = clientByClientId(realm, 'realm-management')?.id ?? '';
    const gate = clientByClientId(realm, GATE_CLIENT_ID)?.id;
    const sa = [...realm.users.values()].find((u) => u.serviceAccountClientId === gate);
    sa?.clientRoles.get(rm)?.delete('manage-events');
    realm.settings.adminEventsEnabled = false;
    await expect(pair.adapter.maintain?.()).rejects.toMatchObject({ code: 'ERR_IDP_FORBIDDEN' });
    expect(realm.settings.adminEventsEnabled).toBe(false);
  });
});
