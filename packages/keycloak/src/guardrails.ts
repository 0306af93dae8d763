/**
 * Guardrails as desired state: plan (a diff against the realm) and apply (idempotent, in order, each step
 * re-reading what it changes).
 * @module
 */

import { isDeepStrictEqual } from 'node:util';
import type {
  ApplyResult,
  GuardrailChange,
  GuardrailFinding,
  GuardrailPlan,
  ProgressListener,
} from '@recovery-gate/core';
import { GateError } from '@recovery-gate/core';
import { versionLimits } from './client/server-version.js';
import type { KcSession } from './client.js';
import { applyItem } from './guardrails/apply.js';
import { type DesiredItem, desiredItems, GATE_ROLES } from './guardrails/desired.js';
import { readTenant, type TenantState } from './guardrails/state.js';

const configOf = (s: KcSession) => ({
  parent: s.config.requestGroups.parent,
  helpDesk: s.config.helpDeskGroup,
  statusAttribute: s.config.statusAttribute,
});

function opOf(item: DesiredItem): GuardrailChange['op'] {
  if (item.after === null) return item.before === null ? 'noop' : 'delete';
  if (item.before === null) return 'create';
  return isDeepStrictEqual(item.before, item.after) ? 'noop' : 'update';
}

function findings(s: KcSession, st: TenantState): GuardrailFinding[] {
  const out: GuardrailFinding[] = [];
  const missing = GATE_ROLES.filter(
    (r) => !st.selfRoles.includes(r) && !st.selfRoles.includes('realm-admin'),
  );
  if (missing.length > 0) {
    out.push({
      severity: 'critical',
      code: 'gate_roles_missing',
      message: `The gate's service account lacks realm-management roles: ${missing.join(', ')}.`,
    });
  }
  if (st.helpDesk === null) {
    out.push({
      severity: 'critical',
      code: 'help_desk_group_missing',
      message: `No top-level group /${s.config.helpDeskGroup}; help-desk permissions cannot be scoped.`,
    });
  }
  if (st.helpDeskPrivileged.length > 0) {
    out.push({
      severity: 'critical',
      code: 'help_desk_agent_privileged',
      message: `Help-desk agents hold admin roles (directly or through another group), which bypass every fine-grained permission: ${st.helpDeskPrivileged.join(', ')}. Remove them by hand.`,
    });
  }
  if (st.helpDeskVia.length > 0) {
    out.push({
      severity: 'critical',
      code: 'help_desk_group_privileged',
      message: `/${s.config.helpDeskGroup} holds roles that include privileged admin roles, which apply does not remove: ${st.helpDeskVia.join(', ')}. Remove them by hand.`,
    });
  }
  if (st.defaultRolePrivileged) {
    out.push({
      severity: 'critical',
      code: 'default_role_privileged',
      message:
        'The realm default role includes a privileged admin role, so every user holds it and no user can be protected from the help desk. Remove it by hand.',
    });
  }
  if (st.profile === null) {
    out.push({
      severity: 'warning',
      code: 'user_profile_unreadable',
      message: 'The user profile could not be read; declare the status attribute (admin edit only) by hand.',
    });
  }
  if (st.defaultRole === null) {
    out.push({
      severity: 'warning',
      code: 'default_role_unknown',
      message: 'The realm default role is unknown; the deny on privileged users cannot be expressed.',
    });
  }
  for (const message of versionLimits(st.fgap))
    out.push({ severity: 'warning', code: 'fgap_version_limits', message });
  out.push({
    severity: 'info',
    code: 'fgap_scope_limits',
    message:
      'FGAP cannot separate credential removal or execute-actions-email from Users:manage; agents get no manage, and admin-event polling detects any bypass.',
  });
  return out;
}

/** Reads the realm and returns the diff to the desired guardrails. */
export async function planGuardrails(s: KcSession): Promise<GuardrailPlan> {
  const st = await readTenant(s);
  const changes = desiredItems(st, configOf(s)).map(
    (item): GuardrailChange => ({
      op: opOf(item),
      resource: item.resource,
      name: item.name,
      reason: item.reason,
      before: item.before,
      after: item.after,
    }),
  );
  return { idp: 'keycloak', changes, findings: findings(s, st) };
}

/** Applies the non-noop changes of a plan, in plan order. */
export async function applyGuardrails(
  s: KcSession,
  plan: GuardrailPlan,
  onProgress?: ProgressListener,
): Promise<ApplyResult> {
  if (plan.idp !== 'keycloak')
    throw new GateError('ERR_INPUT_INVALID', `A ${plan.idp} plan cannot be applied to Keycloak.`);
  const pending = plan.changes.filter((c) => c.op !== 'noop');
  const applied: GuardrailChange[] = [];
  onProgress?.(0, pending.length, 'start');
  const policyIds = new Map<string, string>();
  let st = await readTenant(s);
  let stale = false;
  for (const change of pending) {
    // Permissions refer to groups and the FGAP client created by earlier steps: re-read once before them.
    if (stale && (change.resource === 'fgap_policy' || change.resource === 'fgap_permission')) {
      st = await readTenant(s);
      stale = false;
    }
    const item = desiredItems(st, configOf(s)).find(
      (i) => i.resource === change.resource && i.name === change.name,
    );
    if (item === undefined)
      throw new GateError(
        'ERR_INPUT_INVALID',
        `The plan names ${change.resource} ${change.name}, which this configuration does not manage.`,
      );
    if (opOf(item) !== 'noop') await applyItem(s, st, item, policyIds);
    if (item.key.startsWith('group:') || item.key === 'fgap') stale = true;
    applied.push(change);
    onProgress?.(applied.length, pending.length, `${change.op} ${change.resource} ${change.name}`);
  }
  return { applied };
}
