/**
 * Optional seeds: guardrails already applied (as `apply` would leave them), and large synthetic tenants
 * for benchmarks.
 * @module
 */

import type { EmuContext } from './context.js';
import { addFactor, addGroup, addUser, REQUEST_ACTIONS } from './seed.js';
import { type EmuGroup, type EmuUser, newId } from './state.js';
import { appendEvent, userRef } from './syslog.js';

const DAY = 24 * 3600_000;

/** Creates the request groups, help-desk role, resource set and status attribute, as `apply` would. */
export function seedGuardrails(ctx: EmuContext, prefix = 'recovery-request-'): void {
  const { state } = ctx;
  const at = ctx.now();
  const requestGroups = REQUEST_ACTIONS.map((a) =>
    addGroup(state, `${prefix}${a}`, at, `Recovery Gate: request ${a}`),
  );
  const roleId = newId('cr0');
  state.roles.set(roleId, {
    id: roleId,
    label: 'recovery-gate-helpdesk',
    description: 'Recovery Gate help desk: raise recovery requests',
    permissions: [
      'okta.users.read',
      'okta.groups.read',
      'okta.groups.members.manage',
      'okta.users.groupMembership.manage',
    ],
    created: at,
    lastUpdated: at,
  });
  const eligible = [...state.groups.values()].find((g) => g.name === 'recovery-eligible');
  const base = ctx.baseUrl();
  const rsId = newId('iam');
  const hrefs = [
    ...(eligible ? [`${base}/api/v1/groups/${eligible.id}/users`] : []),
    ...requestGroups.map((g) => `${base}/api/v1/groups/${g.id}`),
  ];
  state.resourceSets.set(rsId, {
    id: rsId,
    label: 'recovery-gate-eligible',
    description: 'Recovery Gate: users the help desk may raise requests for',
    resources: hrefs.map((href) => ({ id: newId('ire'), href, created: at })),
    created: at,
    lastUpdated: at,
  });
  const helpDesk = [...state.groups.values()].find((g) => g.name === 'HelpDesk');
  if (helpDesk) {
    const id = newId('irb');
    state.roleAssignments.set(id, {
      id,
      principalType: 'GROUP',
      principalId: helpDesk.id,
      type: 'CUSTOM',
      roleId,
      resourceSetId: rsId,
      created: at,
      lastUpdated: at,
    });
  }
  state.customSchema.set('recoveryCaseStatus', {
    title: 'Recovery case status',
    description: 'Managed by Recovery Gate',
    type: 'string',
    maxLength: 128,
    mutability: 'READ_WRITE',
    scope: 'NONE',
    permissions: [{ principal: 'SELF', action: 'READ_ONLY' }],
    master: { type: 'PROFILE_MASTER' },
  });
}

/** Adds `users` synthetic users spread over `groups` groups, and `logEvents` System Log events. */
export function seedSynthetic(
  ctx: EmuContext,
  options: { readonly users?: number; readonly groups?: number; readonly logEvents?: number },
): void {
  const { state } = ctx;
  const at = ctx.now() - 30 * DAY;
  const groups = Array.from({ length: options.groups ?? 0 }, (_, i) =>
    addGroup(state, `synthetic-group-${i}`, at),
  );
  const users: EmuUser[] = [];
  for (let i = 0; i < (options.users ?? 0); i++) {
    const user = addUser(
      state,
      `user${i}@example.com`,
      { firstName: 'User', lastName: String(i), mobilePhone: `+1-555-9${String(i % 1000).padStart(3, '0')}` },
      at,
    );
    users.push(user);
    if (groups.length > 0) (groups[i % groups.length] as EmuGroup).members.add(user.id);
    addFactor(state, user.id, 'push', at, {
      credentialId: user.profile.login,
      name: 'Phone',
      platform: 'ANDROID',
    });
  }
  const total = options.logEvents ?? 0;
  const start = ctx.now() - DAY;
  for (let i = 0; i < total; i++) {
    const user = users.length > 0 ? (users[i % users.length] as EmuUser) : undefined;
    if (!user) break;
    const types = [
      'user.session.start',
      'user.mfa.factor.reset_all',
      'user.account.reset_password',
      'group.user_membership.add',
    ];
    const eventType = types[i % types.length] as string;
    // Sign-ins are the user's own; resets are done by another user (as an admin would).
    const actor = eventType === 'user.session.start' ? user : (users[(i + 1) % users.length] as EmuUser);
    appendEvent(ctx, {
      eventType,
      actor: userRef(actor),
      targets: [userRef(user)],
      publishedMs: start + Math.floor((i * DAY) / Math.max(total, 1)),
    });
  }
}
