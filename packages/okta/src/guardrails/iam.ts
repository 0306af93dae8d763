/**
 * The IAM guardrails: the custom help-desk role (request-group membership, no reset permissions) and
 * the resource set that scopes it to the eligible users and the request groups.
 * @see https://developer.okta.com/docs/concepts/role-assignment/
 * @module
 */

import { GateError } from '@recovery-gate/core';
import { field, type Json, type OktaContext, text } from '../client/context.js';
import { HELP_DESK_PERMISSIONS, type Inspection, resourceSetId, roleId, type Step } from './steps.js';

async function createRole(ctx: OktaContext, label: string, permissions: readonly string[]): Promise<void> {
  const instance = { label, description: 'Recovery Gate help desk: raise recovery requests', permissions };
  await ctx.call('createRole', 'other', () =>
    ctx.client.customRoleApi.createRole({ instance: instance as never }),
  );
}

async function rolePermissions(ctx: OktaContext, id: string): Promise<string[]> {
  const perms = await ctx.call('listRolePermissions', 'other', () =>
    ctx.client.customRoleApi.listRolePermissions({ roleIdOrLabel: id }),
  );
  return ((perms.permissions ?? []) as unknown as Json[]).map((p) => String(field(p, 'label'))).sort();
}

async function changePermissions(
  ctx: OktaContext,
  id: string,
  add: readonly string[],
  remove: readonly string[],
): Promise<void> {
  for (const permissionType of add) {
    await ctx.call('createRolePermission', 'other', () =>
      ctx.client.customRoleApi.createRolePermission({ roleIdOrLabel: id, permissionType }),
    );
  }
  for (const permissionType of remove) {
    await ctx.call('deleteRolePermission', 'other', () =>
      ctx.client.customRoleApi.deleteRolePermission({ roleIdOrLabel: id, permissionType }),
    );
  }
}

/** The custom help-desk role step: exactly the help-desk permissions, nothing that resets. */
export function roleStep(ctx: OktaContext): Step {
  const label = ctx.config.names.helpDeskRole;
  const wanted = [...HELP_DESK_PERMISSIONS].sort();
  const after = { label, permissions: wanted };
  return {
    resource: 'admin_role',
    name: label,
    reason: 'Help-desk role: may raise requests but lacks reset, TAC and unlock permissions',
    async inspect(): Promise<Inspection> {
      const id = await roleId(ctx);
      if (!id) return { op: 'create', before: null, after, run: () => createRole(ctx, label, wanted) };
      const current = await rolePermissions(ctx, id);
      const add = wanted.filter((p) => !current.includes(p));
      const remove = current.filter((p) => !wanted.includes(p));
      const op = add.length + remove.length === 0 ? 'noop' : 'update';
      return {
        op,
        before: { label, permissions: current },
        after,
        run: () => changePermissions(ctx, id, add, remove),
      };
    },
  };
}

async function wantedResources(ctx: OktaContext, requestGroups: readonly string[]): Promise<string[]> {
  const base = ctx.client.baseUrl;
  const eligible = await ctx.groupId(ctx.config.eligibleGroup);
  if (!eligible)
    throw new GateError(
      'ERR_GROUP_NOT_FOUND',
      `The eligible group ${ctx.config.eligibleGroup} does not exist`,
    );
  // Users of the eligible group (not the group itself: agents must not change who is eligible),
  // and the request groups (their membership is what agents manage).
  const out = [`${base}/api/v1/groups/${eligible}/users`];
  for (const name of requestGroups) {
    const id = await ctx.groupId(name);
    out.push(id ? `${base}/api/v1/groups/${id}` : `${base}/api/v1/groups/{${name}}`);
  }
  return out.sort();
}

async function createResourceSet(
  ctx: OktaContext,
  label: string,
  requestGroups: readonly string[],
): Promise<void> {
  // Resolved again at run time: the request groups may have been created by the steps before.
  const resources = await wantedResources(ctx, requestGroups);
  const instance = {
    label,
    description: 'Recovery Gate: users the help desk may raise requests for',
    resources,
  };
  await ctx.call('createResourceSet', 'other', () =>
    ctx.client.resourceSetApi.createResourceSet({ instance: instance as never }),
  );
}

async function currentResources(ctx: OktaContext, id: string): Promise<{ id: string; href: string }[]> {
  const listed = await ctx.call('listResourceSetResources', 'other', () =>
    ctx.client.resourceSetApi.listResourceSetResources({ resourceSetId: id }),
  );
  return ((listed.resources ?? []) as unknown as Json[]).map((r) => ({
    id: text(r, 'id') ?? '',
    href: text(field(field(r, '_links'), 'self'), 'href') ?? '',
  }));
}

async function syncResources(ctx: OktaContext, id: string, requestGroups: readonly string[]): Promise<void> {
  const [target, current] = await Promise.all([
    wantedResources(ctx, requestGroups),
    currentResources(ctx, id),
  ]);
  const additions = target.filter((href) => !current.some((r) => r.href === href));
  if (additions.length > 0) {
    const instance = { additions };
    await ctx.call('addResourceSetResources', 'other', () =>
      ctx.client.resourceSetApi.addResourceSetResources({ resourceSetId: id, instance: instance as never }),
    );
  }
  for (const r of current.filter((x) => !target.includes(x.href))) {
    await ctx.call('deleteResourceSetResource', 'other', () =>
      ctx.client.resourceSetApi.deleteResourceSetResource({ resourceSetId: id, resourceId: r.id }),
    );
  }
}

/** The resource-set step: the eligible group's users and the request groups, nothing else. */
export function resourceSetStep(ctx: OktaContext, requestGroups: readonly string[]): Step {
  const label = ctx.config.names.resourceSet;
  return {
    resource: 'resource_set',
    name: label,
    reason: `Scopes the help-desk role to users of ${ctx.config.eligibleGroup} (privileged users stay out of reach) and the request groups`,
    async inspect(): Promise<Inspection> {
      const wanted = await wantedResources(ctx, requestGroups);
      const id = await resourceSetId(ctx);
      const after = { label, resources: wanted };
      if (!id)
        return { op: 'create', before: null, after, run: () => createResourceSet(ctx, label, requestGroups) };
      const hrefs = (await currentResources(ctx, id)).map((r) => r.href).sort();
      const same = hrefs.length === wanted.length && hrefs.every((h, i) => h === wanted[i]);
      return {
        op: same ? 'noop' : 'update',
        before: { label, resources: hrefs },
        after,
        run: () => syncResources(ctx, id, requestGroups),
      };
    },
  };
}
