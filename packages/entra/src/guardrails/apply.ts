/**
 * Applying guardrail changes: one small applier per resource type, each re-checking the tenant first so
 * applying twice (or after a crash mid-apply) changes nothing the second time.
 * @module
 */

import {
  type ApplyResult,
  GateError,
  type GuardrailChange,
  type GuardrailPlan,
  type ProgressListener,
} from '@recovery-gate/core';
import { type EntraContext, graphDelete, graphPatch, graphPost, seg } from '../client.js';
import { SUBSCRIPTION_MINUTES } from './desired.js';
import { readTenant, type TenantView } from './read.js';

type Applier = (
  ctx: EntraContext,
  item: GuardrailChange,
  view: TenantView,
  after: Record<string, unknown>,
) => Promise<boolean>;

const TAP_PATH =
  '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass';

const group: Applier = async (ctx, item, view) => {
  if (view.groups.has(item.name)) return false;
  const body = {
    displayName: item.name,
    description: 'Recovery Gate request group',
    mailEnabled: false,
    mailNickname: item.name.replace(/[^A-Za-z0-9]/g, ''),
    securityEnabled: true,
  };
  await graphPost(ctx, '/groups', body, 'create request group');
  return true;
};

const extensionProperty: Applier = async (ctx, item, view, after) => {
  if (!view.app) throw new GateError('ERR_IDP_CONFLICT', "The gate's app registration was not found.");
  if (view.app.extensions.includes(item.name)) return false;
  await graphPost(
    ctx,
    `/applications/${seg(view.app.objectId)}/extensionProperties`,
    after,
    'create extension property',
  );
  return true;
};

const tapPolicy: Applier = async (ctx, _item, _view, after) => {
  const includeTargets = (after.includeTargets as string[]).map((id) => ({
    id,
    targetType: 'group',
    isRegistrationRequired: false,
  }));
  const body = {
    '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
    ...after,
    includeTargets,
  };
  await graphPatch(ctx, TAP_PATH, body, 'update TAP policy');
  return true;
};

const unit: Applier = async (ctx, _item, view, after) => {
  if (view.unit) return false;
  await graphPost(ctx, '/directory/administrativeUnits', after, 'create administrative unit');
  return true;
};

const unitMember: Applier = async (ctx, _item, view, after) => {
  if (!view.unit) throw new GateError('ERR_IDP_CONFLICT', 'The administrative unit does not exist.');
  if (view.unit.members.has(String(after.userId))) return false;
  const ref = { '@odata.id': `${ctx.config.graphBaseUrl}/v1.0/directoryObjects/${after.userId}` };
  await graphPost(
    ctx,
    `/directory/administrativeUnits/${seg(view.unit.id)}/members/$ref`,
    ref,
    'add unit member',
  );
  return true;
};

const roleAssignment: Applier = async (ctx, _item, view, after) => {
  if (view.unitRole) return false;
  if (!view.unit || !view.servicePrincipalId) {
    throw new GateError('ERR_IDP_CONFLICT', "The unit or the gate's service principal does not exist.");
  }
  const body = {
    principalId: view.servicePrincipalId,
    roleDefinitionId: after.roleDefinitionId,
    directoryScopeId: `/administrativeUnits/${view.unit.id}`,
  };
  await graphPost(ctx, '/roleManagement/directory/roleAssignments', body, 'assign scoped role');
  return true;
};

/** Creates or renews the subscription of one request group (a view of its groups and subscriptions suffices). */
export const subscription = async (
  ctx: EntraContext,
  item: GuardrailChange,
  view: Pick<TenantView, 'groups' | 'subscriptions'>,
): Promise<boolean> => {
  const notification = ctx.config.notification;
  const groupName = item.name.replace(/\/members$/, '');
  const id = view.groups.get(groupName);
  if (!notification || !id)
    throw new GateError('ERR_IDP_CONFLICT', `The request group ${groupName} does not exist.`);
  const resource = `/groups/${id}/members`;
  const expirationDateTime = new Date(ctx.now().getTime() + SUBSCRIPTION_MINUTES * 60_000).toISOString();
  const existing = view.subscriptions.find(
    (s) => s.resource.toLowerCase() === resource.toLowerCase() && s.notificationUrl === notification.url,
  );
  if (existing) {
    if (item.op !== 'update') return false;
    await graphPatch(ctx, `/subscriptions/${seg(existing.id)}`, { expirationDateTime }, 'renew subscription');
    return true;
  }
  // The clientState leaves the Secret only here, to Graph, which echoes it in every notification.
  const body = {
    changeType: 'updated',
    notificationUrl: notification.url,
    resource,
    expirationDateTime,
    clientState: ctx.clientState?.reveal(),
    latestSupportedTlsVersion: 'v1_2',
  };
  await graphPost(ctx, '/subscriptions', body, 'create subscription');
  return true;
};

const builtinRole: Applier = async (ctx, item) => {
  const id = (item.before as { assignmentId?: unknown } | null)?.assignmentId;
  if (typeof id !== 'string' || id.length === 0) {
    throw new GateError('ERR_INPUT_INVALID', `The removal of ${item.name} names no role assignment.`);
  }
  // A 404 means it is gone already: nothing left to remove.
  return graphDelete(ctx, `/roleManagement/directory/roleAssignments/${seg(id)}`, 'remove role assignment');
};

const APPLIERS: Readonly<Record<string, Applier>> = {
  builtin_role_assignment: builtinRole,
  group,
  extension_property: extensionProperty,
  tap_policy: tapPolicy,
  administrative_unit: unit,
  administrative_unit_member: unitMember,
  role_assignment: roleAssignment,
  subscription,
};

/** Applies the non-noop changes of a plan in order, re-reading the tenant before each change. */
export async function applyGuardrails(
  ctx: EntraContext,
  plan: GuardrailPlan,
  onProgress?: ProgressListener,
): Promise<ApplyResult> {
  const pending = plan.changes.filter((c) => c.op !== 'noop');
  const unknown = pending.find((c) => APPLIERS[c.resource] === undefined);
  if (unknown) throw new GateError('ERR_INPUT_INVALID', `Unknown guardrail resource ${unknown.resource}.`);
  const applied: GuardrailChange[] = [];
  onProgress?.(0, pending.length, 'start');
  for (const [index, item] of pending.entries()) {
    const view = await readTenant(ctx);
    const applier = APPLIERS[item.resource] as Applier;
    if (await applier(ctx, item, view, (item.after ?? {}) as Record<string, unknown>)) applied.push(item);
    onProgress?.(index + 1, pending.length, `${item.op} ${item.resource} ${item.name}`);
  }
  return { applied };
}
