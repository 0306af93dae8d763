/**
 * Activation lifecycle: deactivate (DEPROVISIONED), activate (STAGED / DEPROVISIONED -> PROVISIONED, or
 * ACTIVE with a password), reactivate (PROVISIONED: a new activation token). With `sendEmail=false` the
 * activation token is returned instead of mailed.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/
 * @module
 */

import { type EmuContext, invalid, type OktaRequest, ok } from './context.js';
import type { Routes } from './routes.js';
import { clearSessions } from './sessions.js';
import { newToken } from './state.js';
import { actorRef, appendEvent, userRef } from './syslog.js';
import { setStatus, userParam } from './users.js';

function activationAnswer(ctx: EmuContext, req: OktaRequest): Record<string, unknown> {
  if (req.query.get('sendEmail') !== 'false') return {};
  const activationToken = newToken(20);
  return { activationToken, activationUrl: `${ctx.baseUrl()}/tokens/${activationToken}/verify` };
}

/** Registers activate / deactivate / reactivate. */
export function registerActivation(ctx: EmuContext, r: Routes): void {
  const base = '/api/v1/users/:id/lifecycle';
  r('POST', `${base}/deactivate`, 'okta.users.lifecycle.deactivate', async (req, res) => {
    const user = userParam(ctx, req);
    if (user.status === 'DEPROVISIONED') throw invalid('status: the user is already deactivated');
    setStatus(ctx, user, 'DEPROVISIONED');
    await clearSessions(ctx, user.id, true);
    appendEvent(ctx, {
      eventType: 'user.lifecycle.deactivate',
      actor: actorRef(ctx.state, req.principal),
      targets: [userRef(user)],
    });
    ok(res, {});
  });
  r('POST', `${base}/activate`, 'okta.users.lifecycle.activate', (req, res) => {
    const user = userParam(ctx, req);
    if (user.status !== 'STAGED' && user.status !== 'DEPROVISIONED')
      throw invalid('status: Activation failed because the user is already active');
    setStatus(ctx, user, 'PROVISIONED');
    appendEvent(ctx, {
      eventType: 'user.lifecycle.activate',
      actor: actorRef(ctx.state, req.principal),
      targets: [userRef(user)],
    });
    ok(res, activationAnswer(ctx, req));
  });
  r('POST', `${base}/reactivate`, 'okta.users.lifecycle.activate', (req, res) => {
    const user = userParam(ctx, req);
    if (user.status !== 'PROVISIONED' && user.status !== 'RECOVERY')
      throw invalid("status: This operation is not allowed in the user's current status");
    appendEvent(ctx, {
      eventType: 'user.lifecycle.reactivate',
      actor: actorRef(ctx.state, req.principal),
      targets: [userRef(user)],
    });
    ok(res, activationAnswer(ctx, req));
  });
}
