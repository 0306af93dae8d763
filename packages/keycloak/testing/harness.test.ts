import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_CLIENT_ID,
  APP_CLIENT_SECRET,
  DEMO_PASSWORD,
  type Emulator,
  GATE_CLIENT_ID,
  GATE_CLIENT_SECRET,
  startEmulator,
} from '../emulator/index.js';
import { createProvider } from '../src/index.js';
import { createContractHarness } from './harness.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});

describe('contract harness', () => {
  it('targets a real server when KEYCLOAK_URL, _REALM, _CLIENT_ID and _CLIENT_SECRET are set (here: an emulator posing as one)', async () => {
    const harness = createContractHarness({
      createProvider,
      env: {
        KEYCLOAK_URL: emu.url,
        KEYCLOAK_REALM: emu.realmName,
        KEYCLOAK_CLIENT_ID: GATE_CLIENT_ID,
        KEYCLOAK_CLIENT_SECRET: GATE_CLIENT_SECRET,
        KEYCLOAK_APP_CLIENT_ID: APP_CLIENT_ID,
        KEYCLOAK_APP_CLIENT_SECRET: APP_CLIENT_SECRET,
        KEYCLOAK_USER_PASSWORD: DEMO_PASSWORD,
      },
    });
    expect(harness.realTenant).toBe(true);
    const env = await harness.start();
    const alice = (await env.adapter.findUser(env.fixtures.standardUser))?.id as string;
    const minted = await env.probes.mintSession(alice);
    expect(await env.probes.sessionActive(minted.sessionId)).toBe(true);
    expect(await env.probes.refreshTokenWorks(minted.refreshToken)).toBe(true);
    await env.adapter.revokeSessions(alice, { sessions: true, refreshTokens: true, grants: true });
    expect(await env.probes.sessionActive(minted.sessionId)).toBe(false);
    expect(await env.probes.refreshTokenWorks(minted.refreshToken)).toBe(false);
    expect(env.probes.advanceClock).toBeUndefined();
    await env.close();
  });

  it('uses the emulator otherwise', () => {
    expect(createContractHarness({ createProvider, env: {} }).realTenant).toBe(false);
  });
});
