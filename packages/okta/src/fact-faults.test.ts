import { factFaultCases } from '@recovery-gate/core/testing';
import { startFaultProxy } from '@recovery-gate/emulator-kit';
import { addGroup, addUser } from '../emulator/seed.js';
import { newId, type OrgState } from '../emulator/state.js';
import { startTestEnvironment } from '../testing/index.js';
import { createProvider } from './adapter.js';

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A super administrator through a group: only the role list shows it. */
function addGroupAdmin(state: OrgState, at: number): void {
  const user = addUser(state, 'group-admin@example.com', { firstName: 'Group', lastName: 'Admin' }, at);
  const group = addGroup(state, 'Super-Admins', at);
  group.members.add(user.id);
  const id = newId('ra1');
  state.roleAssignments.set(id, {
    id,
    principalType: 'GROUP',
    principalId: group.id,
    type: 'SUPER_ADMIN',
    roleId: null,
    resourceSetId: null,
    created: at,
    lastUpdated: at,
  });
}

factFaultCases({
  name: 'okta',
  subjects: ['group-admin@example.com', 'carol@example.com', 'dave@example.com', 'alice@example.com'],
  start: async () => {
    const env = await startTestEnvironment({ hook: false });
    addGroupAdmin(env.emulator.control.state, env.emulator.control.now());
    const proxy = await startFaultProxy(env.emulator.url);
    const adapter = createProvider(
      { orgUrl: proxy.url, auth: { token: env.emulator.apiToken }, requestTimeoutMs: 500 },
      {
        now: () => new Date(env.emulator.control.now()),
        sleep: async () => undefined,
        random: () => 0.5,
        maxRetries: 1,
      },
    );
    return {
      adapter,
      fail: (method, path, fault) =>
        proxy.fail({
          method,
          path: new RegExp(`^${literal(path)}$`),
          status: fault === 'forbidden' ? 403 : 500,
          body:
            fault === 'forbidden'
              ? {
                  errorCode: 'E0000006',
                  errorSummary: 'You do not have permission to perform the requested action',
                }
              : { errorCode: 'E0000009', errorSummary: 'Internal Server Error' },
          hang: fault === 'timeout',
        }),
      heal: () => proxy.heal(),
      requests: () => proxy.requests,
      close: async () => {
        await proxy.close();
        await env.close();
      },
    };
  },
});
