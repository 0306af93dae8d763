/**
 * Assembles the emulator's routes behind authentication, authorisation, Okta's rate-limit headers and
 * fault injection.
 * @module
 */

import type { FaultInjector, NodeHandler, Router } from '@recovery-gate/emulator-kit';
import { createRouter, json } from '@recovery-gate/emulator-kit';
import { registerActivation } from './activation.js';
import { authenticate, authorize, type Target } from './auth.js';
import { type EmuContext, errorBody, notFound, OktaError, type OktaHandler } from './context.js';
import { registerFactors } from './factors.js';
import { registerGroups } from './groups.js';
import { registerHooks } from './hooks.js';
import { registerClientRoles, registerIamRoles, registerResourceSets, registerUserRoles } from './iam.js';
import { autoUnlock } from './lockout.js';
import { registerLogs } from './logs.js';
import { registerSchema } from './schema.js';
import { registerServiceApps } from './service-apps.js';
import { registerSessions } from './sessions.js';
import { findUser, newId, type Principal } from './state.js';
import { registerUsers } from './users.js';

/** Registers a route: `permission` null = any authenticated caller, `'public'` = no authentication. */
export type Routes = (method: string, path: string, permission: string | null, handler: OktaHandler) => void;

/** The user and group a request acts on, from its path parameters (for resource-set scoping). */
function targetOf(ctx: EmuContext, params: Readonly<Record<string, string>>): Target {
  const userKey = params.userId ?? params.id;
  const user = userKey ? findUser(ctx.state, userKey) : undefined;
  return { ...(user ? { userId: user.id } : {}), ...(params.groupId ? { groupId: params.groupId } : {}) };
}

/** The org-wide rate limit the emulator advertises per minute. */
export const RATE_LIMIT = 600;

const ANONYMOUS: Principal = { type: 'User', id: 'anonymous' };

/** Builds the request handler of the emulator (and the router, to mount the authorization server on). */
export function buildHandler(
  ctx: EmuContext,
  faults: FaultInjector,
): { readonly handler: NodeHandler; readonly router: Router } {
  const router = createRouter({
    errorResponse: (status, message) => {
      const error =
        status === 404
          ? notFound(message, 'Resource')
          : new OktaError(status, status === 405 ? 'E0000022' : 'E0000003', message);
      return { status, body: errorBody(error) };
    },
  });
  const r: Routes = (method, path, permission, handler) => {
    router.route(method, path, async (req, res) => {
      try {
        autoUnlock(ctx);
        const principal = permission === 'public' ? ANONYMOUS : authenticate(ctx.state, req.headers);
        if (permission !== null && permission !== 'public') {
          authorize(ctx.state, principal, permission, targetOf(ctx, req.params));
        }
        await handler({ ...req, principal }, res);
      } catch (error) {
        if (!(error instanceof OktaError)) throw error;
        json(res, error.status, errorBody(error));
      }
    });
  };
  registerUsers(ctx, r);
  registerActivation(ctx, r);
  registerUserRoles(ctx, r);
  registerClientRoles(ctx, r);
  registerGroups(ctx, r);
  registerFactors(ctx, r);
  registerSessions(ctx, r);
  registerServiceApps(ctx, r);
  registerLogs(ctx, r);
  registerHooks(ctx, r);
  registerIamRoles(ctx, r);
  registerResourceSets(ctx, r);
  registerSchema(ctx, r);

  let windowStart = 0;
  let used = 0;
  const handler: NodeHandler = async (req, res) => {
    const now = ctx.now();
    const minute = Math.floor(now / 60_000) * 60_000;
    if (minute !== windowStart) {
      windowStart = minute;
      used = 0;
    }
    used++;
    res.setHeader('date', new Date(now).toUTCString());
    res.setHeader('x-okta-request-id', newId('req'));
    res.setHeader('x-rate-limit-limit', String(RATE_LIMIT));
    res.setHeader('x-rate-limit-remaining', String(Math.max(RATE_LIMIT - used, 0)));
    res.setHeader('x-rate-limit-reset', String((windowStart + 60_000) / 1000));
    if (await faults.applyFaults(req, res)) return;
    await router.handle(req, res);
  };
  return { handler, router };
}
