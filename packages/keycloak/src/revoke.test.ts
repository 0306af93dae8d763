import { afterEach, describe, expect, it } from 'vitest';
import { APP_CLIENT_ID } from '../emulator/index.js';
import { type EmulatorPair, offlineToken, startTestEnvironment } from '../testing/index.js';
import { createProvider } from './index.js';

let pair: EmulatorPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

describe('revocation', () => {
  it('kills offline tokens by revoking the consents that hold them, and says access tokens live until expiry', async () => {
    pair = await startTestEnvironment({ createProvider });
    const alice = pair.emu.control.userId('alice');
    const offline = await offlineToken(pair, 'alice');
    expect(await pair.probes.refreshTokenWorks(offline)).toBe(true);
    const result = await pair.adapter.revokeSessions(alice, {
      sessions: false,
      refreshTokens: true,
      grants: false,
    });
    expect(result.revoked).toEqual(['refresh_tokens']);
    expect(result.caveats.join(' ')).toMatch(/Access tokens .* stay valid until they expire/);
    expect(await pair.probes.refreshTokenWorks(offline)).toBe(false);
    const paths = pair.emu.control
      .exchanges()
      .map((x) => `${x.method} ${x.path.replace(/^.*\/users\//, 'users/')}`);
    expect(paths).toContain(`POST users/${alice}/logout`);
    expect(paths).toContain(`DELETE users/${alice}/consents/${APP_CLIENT_ID}`);
  });

  it('grants alone revoke every consent but leave online sessions', async () => {
    pair = await startTestEnvironment({ createProvider });
    const alice = pair.emu.control.userId('alice');
    const online = await pair.probes.mintSession(alice);
    const offline = await offlineToken(pair, 'alice');
    await pair.adapter.revokeSessions(alice, { sessions: false, refreshTokens: false, grants: true });
    expect(await pair.probes.refreshTokenWorks(offline)).toBe(false);
    expect(await pair.probes.sessionActive(online.sessionId)).toBe(true);
  });
});
