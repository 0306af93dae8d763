import { describe, expect, it } from 'vitest';
import { ADAPTER_SETTINGS } from '../testing/idp-settings.js';
import { hookUrlCheck } from './doctor.js';

describe('doctor: the hook URL check', () => {
  it('names the config field each adapter declares for the URL its IdP calls', async () => {
    const fields = { okta: 'hook.url', entra: 'notification.url' } as const;
    for (const [idp, field] of Object.entries(fields) as [keyof typeof fields, string][]) {
      const check = await hookUrlCheck(
        idp,
        ADAPTER_SETTINGS[idp],
        `http://gate.example.com/hooks/${idp}`,
        undefined,
      );
      expect(check.status).toBe('fail');
      expect(check.fix).toBe(`publish the gate over TLS and set providers.${idp}.${field} to its https URL`);
    }
    // Keycloak is polled: it declares no callback field.
    expect(ADAPTER_SETTINGS.keycloak.callbackUrlField).toBeNull();
  });
});
