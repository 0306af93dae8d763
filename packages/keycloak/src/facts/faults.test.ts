import { factFaultCases } from '@recovery-gate/core/testing';
import { startFaultProxy } from '@recovery-gate/emulator-kit';
import { addGroup, addUser } from '../../emulator/seed.js';
import { clientByClientId, type Realm } from '../../emulator/state.js';
import { startTestEnvironment } from '../../testing/index.js';
import { createProvider } from '../index.js';

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** manage-users through the parent of the user's subgroup: only the composite client mapping shows it. */
function addSubgroupAdmin(realm: Realm, at: number): void {
  const rm = clientByClientId(realm, 'realm-management')?.id ?? '';
  const parent = addGroup(realm, 'it-admins');
  parent.clientRoles.set(rm, new Set(['manage-users']));
  const user = addUser(realm, { username: 'subgroup-admin', createdTimestamp: at });
  user.groups.add(addGroup(realm, 'oncall', parent.id).id);
}

factFaultCases({
  name: 'keycloak',
  subjects: ['subgroup-admin', 'carol', 'dave', 'alice'],
  start: async () => {
    const proxy = await startFaultProxy();
    const pair = await startTestEnvironment({
      // One retry: each timeout costs the adapter (retries + 1) request timeouts.
      createProvider: (config, options) => createProvider(config, { ...options, maxRetries: 1 }),
      config: { baseUrl: proxy.url, timeoutMs: 500 },
    });
    proxy.target = pair.emu.url;
    addSubgroupAdmin(pair.emu.control.realm, pair.emu.control.now());
    return {
      adapter: pair.adapter,
      fail: (method, path, fault) =>
        proxy.fail({
          method,
          path: new RegExp(`^${literal(path)}/?$`),
          status: fault === 'forbidden' ? 403 : 500,
          body: fault === 'forbidden' ? { error: 'HTTP 403 Forbidden' } : { error: 'unknown_error' },
          hang: fault === 'timeout',
        }),
      heal: () => proxy.heal(),
      requests: () => proxy.requests,
      close: async () => {
        await pair.close();
        await proxy.close();
      },
    };
  },
});
