/**
 * Finding directory objects by id (or UPN) the way Graph's `/users/{id | userPrincipalName}` does.
 * @module
 */

import { type Ctx, notFound } from './http.js';
import type { EmuGroup, EmuUser, TenantState } from './state.js';

/** The user with this id or UPN. @throws GraphFail 404 */
export function userOf(ctx: Ctx, idOrUpn: string): EmuUser {
  const user = findUser(ctx.env.tenant, idOrUpn);
  if (!user) throw notFound(idOrUpn);
  return user;
}

/** The user with this id or UPN, or undefined. */
export function findUser(tenant: TenantState, idOrUpn: string): EmuUser | undefined {
  const direct = tenant.users.get(idOrUpn);
  if (direct) return direct;
  const lower = idOrUpn.toLowerCase();
  for (const user of tenant.users.values()) if (user.userPrincipalName.toLowerCase() === lower) return user;
  return undefined;
}

/** The group with this id. @throws GraphFail 404 */
export function groupOf(ctx: Ctx, id: string): EmuGroup {
  const group = ctx.env.tenant.groups.get(id);
  if (!group) throw notFound(id);
  return group;
}

/** The object id named by an `@odata.id` reference body (`.../directoryObjects/{id}`). */
export function refId(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const ref = (body as Record<string, unknown>)['@odata.id'];
  if (typeof ref !== 'string') return null;
  const match = /\/(?:directoryObjects|users|groups)\/([^/?]+)$/.exec(ref);
  return match?.[1] ?? null;
}

/** Groups (transitively) containing `objectId`. */
export function transitiveGroups(tenant: TenantState, objectId: string): EmuGroup[] {
  const found = new Map<string, EmuGroup>();
  const queue = [objectId];
  while (queue.length > 0) {
    const current = queue.shift() as string;
    for (const group of tenant.groups.values()) {
      if (group.members.has(current) && !found.has(group.id)) {
        found.set(group.id, group);
        queue.push(group.id);
      }
    }
  }
  return [...found.values()];
}
