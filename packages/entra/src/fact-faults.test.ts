import { randomUUID } from 'node:crypto';
import { factFaultCases } from '@recovery-gate/core/testing';
import { startFaultProxy } from '@recovery-gate/emulator-kit';
import { type EmuUser, ROLE_IDS, type TenantState } from '../emulator/state.js';
import { startTestEnvironment } from '../testing/harness.js';
import { loopbackHttpClient } from './client/transport.js';
import { createProvider } from './index.js';

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const GRAPH_ERROR = {
  forbidden: {
    code: 'Authorization_RequestDenied',
    message: 'Insufficient privileges to complete the operation.',
  },
  server_error: { code: 'generalException', message: 'General exception while processing.' },
};

/** Admins no active role shows: PIM-eligible directly, and PIM for Groups eligible for a group with a role. */
function addEligibleAdmins(tenant: TenantState, template: EmuUser) {
  const user = (login: string) => {
    const id = randomUUID();
    tenant.users.set(id, {
      ...template,
      id,
      userPrincipalName: login,
      mail: login,
      sponsorIds: [],
      extensions: {},
    });
    return id;
  };
  const direct = randomUUID();
  tenant.eligibilities.set(direct, {
    id: direct,
    principalId: user('pim-admin@example.com'),
    roleDefinitionId: ROLE_IDS.globalAdministrator,
    directoryScopeId: '/',
  });
  const group = randomUUID();
  tenant.groups.set(group, {
    id: group,
    displayName: 'PIM-Global-Admins',
    description: null,
    mailNickname: 'pimglobaladmins',
    securityEnabled: true,
    mailEnabled: false,
    isAssignableToRole: true,
    createdDateTime: template.createdDateTime,
    members: new Set(),
  });
  const assignment = randomUUID();
  tenant.roleAssignments.set(assignment, {
    id: assignment,
    principalId: group,
    roleDefinitionId: ROLE_IDS.globalAdministrator,
    directoryScopeId: '/',
  });
  const eligibility = randomUUID();
  tenant.groupEligibilities.set(eligibility, {
    id: eligibility,
    groupId: group,
    principalId: user('pim-group-admin@example.com'),
    accessId: 'member',
  });
}

factFaultCases({
  name: 'entra',
  subjects: [
    'pim-admin@example.com',
    'pim-group-admin@example.com',
    'carol@example.com',
    'dave@example.com',
    'alice@example.com',
  ],
  start: async () => {
    const env = await startTestEnvironment();
    addEligibleAdmins(env.emulator.control.tenant, env.emulator.control.user('alice'));
    const proxy = await startFaultProxy(env.emulator.url);
    const adapter = createProvider(
      { ...env.config, requestTimeoutMs: 500 },
      {
        graphOrigin: proxy.url,
        httpClient: loopbackHttpClient(env.emulator.url),
        now: () => new Date(env.emulator.control.now()),
        random: () => 0.5,
        sleep: async () => undefined,
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
          body: { error: GRAPH_ERROR[fault === 'forbidden' ? 'forbidden' : 'server_error'] },
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
