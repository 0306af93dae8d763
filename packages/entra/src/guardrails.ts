/**
 * Guardrails as desired state: plan (a diff against the tenant) and apply (idempotent: every change is
 * re-checked against the tenant before it is made).
 * @module
 */

import { type GuardrailChange, type GuardrailPlan, RECOVERY_ACTIONS } from '@recovery-gate/core';
import type { EntraContext } from './client.js';
import { desiredTap, subscriptionChanges, tapChange } from './guardrails/desired.js';
import { findingsFor } from './guardrails/findings.js';
import { helpDeskRoles } from './guardrails/helpdesk.js';
import { groupId, ROLES, readTenant, type TenantView } from './guardrails/read.js';

export { applyGuardrails } from './guardrails/apply.js';

import { requestGroupName } from './status.js';

function change(
  op: GuardrailChange['op'],
  resource: string,
  name: string,
  reason: string,
  before: unknown,
  after: unknown,
): GuardrailChange {
  return { op, resource, name, reason, before, after };
}

function groupChanges(ctx: EntraContext, view: TenantView): GuardrailChange[] {
  return RECOVERY_ACTIONS.map((action) => {
    const name = requestGroupName(ctx, action);
    const exists = view.groups.has(name);
    return change(
      exists ? 'noop' : 'create',
      'group',
      name,
      `Agents request ${action} by adding the user to this security group.`,
      exists ? { id: view.groups.get(name) } : null,
      { displayName: name, securityEnabled: true },
    );
  });
}

function extensionChange(ctx: EntraContext, view: TenantView): GuardrailChange {
  const exists = view.app?.extensions.includes(ctx.statusProperty) === true;
  return change(
    exists ? 'noop' : 'create',
    'extension_property',
    ctx.statusProperty,
    'Shows the case status on the user for agents in the admin center.',
    exists ? { name: ctx.statusProperty } : null,
    {
      name: ctx.config.statusExtension,
      dataType: 'String',
      targetObjects: ['User'],
    },
  );
}

function unitChanges(ctx: EntraContext, view: TenantView): GuardrailChange[] {
  const config = ctx.config.privilegedUnit;
  if (!config) return [];
  const changes = [
    change(
      view.unit ? 'noop' : 'create',
      'administrative_unit',
      config.displayName,
      'Restricted management unit: only principals scoped to it can reset privileged users.',
      view.unit ? { restricted: view.unit.restricted } : null,
      {
        displayName: config.displayName,
        isMemberManagementRestricted: true,
      },
    ),
  ];
  for (const user of view.privilegedUsers) {
    const member = view.unit?.members.has(user.id) === true;
    changes.push(
      change(
        member ? 'noop' : 'create',
        'administrative_unit_member',
        `${config.displayName}/${user.login}`,
        'Privileged user protected by the restricted unit.',
        member ? { member: true } : null,
        { userId: user.id },
      ),
    );
  }
  changes.push(
    change(
      view.unitRole ? 'noop' : 'create',
      'role_assignment',
      `Privileged Authentication Administrator @ ${config.displayName}`,
      "The unit locks out tenant-wide app permissions too: the gate's app needs a role scoped to it.",
      view.unitRole ? { assigned: true } : null,
      {
        roleDefinitionId: ROLES.privilegedAuthenticationAdministrator,
      },
    ),
  );
  return changes;
}

/** Plans the guardrails. */
export async function planGuardrails(ctx: EntraContext): Promise<GuardrailPlan> {
  const view = await readTenant(ctx);
  const tapGroup =
    ctx.config.tapPolicy.includeGroup === 'all_users'
      ? 'all_users'
      : await groupId(ctx, ctx.config.tapPolicy.includeGroup);
  const changes = [
    ...groupChanges(ctx, view),
    extensionChange(ctx, view),
    tapChange(view.tapPolicy, desiredTap(ctx, tapGroup)),
    ...unitChanges(ctx, view),
    ...subscriptionChanges(ctx, view),
  ];
  const findings = await findingsFor(ctx, view);
  if (ctx.config.helpDeskGroup) {
    const held = await helpDeskRoles(ctx, ctx.config.helpDeskGroup);
    changes.push(...held.changes);
    findings.unshift(...held.findings);
  }
  if (tapGroup === null) {
    findings.push({
      severity: 'critical',
      code: 'tap_group_missing',
      message: `The TAP include group ${ctx.config.tapPolicy.includeGroup} does not exist.`,
    });
  }
  return { idp: 'entra', changes, findings };
}
