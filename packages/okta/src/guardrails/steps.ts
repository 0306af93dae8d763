/**
 * The guardrail resources, each as a step that inspects the org and knows how to converge it:
 * request groups, the custom help-desk role, the resource set, the role binding, the case-status
 * attribute and the event hook. Inspecting twice after a run is a no-op.
 * @module
 */

import { GateError } from '@recovery-gate/core';
import { field, type Json, type OktaContext, text } from '../client/context.js';
import { EVENT_TYPES, NOT_HOOK_ELIGIBLE } from '../events/normalize.js';
import { STATUS_MAX_LENGTH } from '../status.js';

/** Permissions of the help-desk role: raise requests (request-group membership) and read users. */
export const HELP_DESK_PERMISSIONS: readonly string[] = [
  'okta.users.read',
  'okta.groups.read',
  'okta.groups.members.manage',
  'okta.users.groupMembership.manage',
];

/** Permissions the help desk must never hold (the gate executes these). */
export const FORBIDDEN_PERMISSIONS: readonly string[] = [
  'okta.users.credentials.resetFactors',
  'okta.users.credentials.resetPassword',
  // Expiring a password with a temporary one is how the gate resets it (it never reads the temporary one).
  'okta.users.credentials.expirePassword',
  'okta.users.credentials.manageTemporaryAccessCode',
  'okta.users.lifecycle.unlock',
  'okta.users.credentials.manage',
  'okta.users.lifecycle.manage',
  'okta.users.manage',
];

/** The outcome of inspecting one resource. */
export interface Inspection {
  readonly op: 'create' | 'update' | 'delete' | 'noop';
  readonly before: unknown;
  readonly after: unknown;
  /** Converges the resource (only called when op is not noop). */
  run(): Promise<void>;
}

/** One guardrail resource. */
export interface Step {
  readonly resource: string;
  readonly name: string;
  readonly reason: string;
  /** Takes admin rights away from people; `apply` in the CLI runs it only when asked to. */
  readonly removesAccess?: boolean;
  inspect(): Promise<Inspection>;
}

const noop = async (): Promise<void> => {};

async function list<T>(iterable: AsyncIterable<T | null>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) {
    if (item === null) break;
    out.push(item);
  }
  return out;
}

/** Lists the org's custom roles. */
export async function customRoles(ctx: OktaContext): Promise<Json[]> {
  const roles = await ctx.call('listRoles', 'other', () => ctx.client.customRoleApi.listRoles());
  return (roles.roles ?? []) as unknown as Json[];
}

/** The id of the custom help-desk role, or null. */
export async function roleId(ctx: OktaContext): Promise<string | null> {
  const role = (await customRoles(ctx)).find((r) => text(r, 'label') === ctx.config.names.helpDeskRole);
  return text(role, 'id');
}

/** The id of the resource set, or null. */
export async function resourceSetId(ctx: OktaContext): Promise<string | null> {
  const sets = await ctx.call('listResourceSets', 'other', () =>
    ctx.client.resourceSetApi.listResourceSets(),
  );
  const found = ((sets.resource_sets ?? []) as unknown as Json[]).find(
    (s) => text(s, 'label') === ctx.config.names.resourceSet,
  );
  return text(found, 'id');
}

/** The role assignments of a group (CUSTOM ones carry `role` and `resource_set`, the SDK's name). */
export async function groupRoles(ctx: OktaContext, groupId: string): Promise<Json[]> {
  const roles = await ctx.call('listGroupAssignedRoles', 'group', async () =>
    list(await ctx.client.roleAssignmentApi.listGroupAssignedRoles({ groupId })),
  );
  return roles as unknown as Json[];
}

function groupStep(ctx: OktaContext, name: string): Step {
  return {
    resource: 'group',
    name,
    reason: 'Request group: an agent adds a user to it in the Admin Console to raise a recovery',
    async inspect() {
      const id = await ctx.groupId(name);
      if (id) return { op: 'noop', before: { name, id }, after: { name, id }, run: noop };
      return {
        op: 'create',
        before: null,
        after: { name },
        run: async () => {
          await ctx.call('addGroup', 'group', () =>
            ctx.client.groupApi.createGroup({
              group: { profile: { name, description: 'Recovery Gate request group' } },
            }),
          );
        },
      };
    },
  };
}

function bindingStep(ctx: OktaContext): Step {
  const name = `${ctx.config.helpDeskGroup} -> ${ctx.config.names.helpDeskRole} @ ${ctx.config.names.resourceSet}`;
  return {
    resource: 'role_assignment',
    name,
    reason: 'Binds the help-desk role, scoped by the resource set, to the help-desk group',
    async inspect() {
      const groupId = await ctx.groupId(ctx.config.helpDeskGroup);
      if (!groupId)
        throw new GateError(
          'ERR_GROUP_NOT_FOUND',
          `The help-desk group ${ctx.config.helpDeskGroup} does not exist`,
        );
      const [role, set] = await Promise.all([roleId(ctx), resourceSetId(ctx)]);
      const bound =
        role !== null &&
        set !== null &&
        (await groupRoles(ctx, groupId)).some(
          (a) => text(a, 'type') === 'CUSTOM' && text(a, 'role') === role && text(a, 'resource_set') === set,
        );
      if (bound)
        return {
          op: 'noop',
          before: { group: groupId, role, resourceSet: set },
          after: { group: groupId, role, resourceSet: set },
          run: noop,
        };
      return {
        op: 'create',
        before: null,
        after: {
          group: ctx.config.helpDeskGroup,
          role: ctx.config.names.helpDeskRole,
          resourceSet: ctx.config.names.resourceSet,
        },
        run: async () => {
          const [r, s] = await Promise.all([roleId(ctx), resourceSetId(ctx)]);
          if (!r || !s)
            throw new GateError(
              'ERR_IDP_CONFLICT',
              'The help-desk role or resource set is missing; apply them first',
            );
          await ctx.call('assignRoleToGroup', 'group', () =>
            ctx.client.roleAssignmentApi.assignRoleToGroup({
              groupId,
              assignRoleRequest: { type: 'CUSTOM', role: r, resource_set: s } as never,
            }),
          );
        },
      };
    },
  };
}

function attributeStep(ctx: OktaContext): Step {
  const name = ctx.config.statusAttribute;
  const definition = {
    title: 'Recovery case status',
    description: 'Managed by Recovery Gate; read-only for the user',
    type: 'string',
    maxLength: STATUS_MAX_LENGTH,
    permissions: [{ principal: 'SELF', action: 'READ_ONLY' }],
  };
  return {
    resource: 'schema_attribute',
    name,
    reason: 'Shows the recovery case status on the user profile in the Admin Console',
    async inspect() {
      const schema = await ctx.call('getUserSchema', 'other', () =>
        ctx.client.schemaApi.getUserSchema({ schemaId: 'default' }),
      );
      const current = field(field(field(schema.definitions, 'custom'), 'properties'), name);
      const ok =
        text(current, 'type') === 'string' &&
        Number(field(current, 'maxLength') ?? Number.POSITIVE_INFINITY) >= STATUS_MAX_LENGTH;
      if (ok)
        return { op: 'noop', before: { name, type: 'string' }, after: { name, type: 'string' }, run: noop };
      return {
        op: current === undefined ? 'create' : 'update',
        before: current === undefined ? null : { name, type: text(current, 'type') },
        after: { name, ...definition },
        run: async () => {
          // A plain string attribute (no enum) serialises correctly through the SDK (okta.md §8).
          await ctx.call('updateUserProfile', 'other', () =>
            ctx.client.schemaApi.updateUserProfile({
              schemaId: 'default',
              userSchema: {
                definitions: {
                  custom: { id: '#custom', type: 'object', properties: { [name]: definition }, required: [] },
                },
              } as never,
            }),
          );
        },
      };
    },
  };
}

/** The event types the hook subscribes to (the hook-eligible ones the adapter reads). */
export const HOOK_EVENT_TYPES: readonly string[] = EVENT_TYPES.filter((t) => !NOT_HOOK_ELIGIBLE.has(t));

export { attributeStep, bindingStep, groupStep, list };
