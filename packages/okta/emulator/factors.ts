/**
 * Factors (v1), push verification with number matching, OIE authenticator enrollments and the TAC.
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserAuthenticatorEnrollments/
 * @module
 */

import { randomInt } from 'node:crypto';
import { type EmuContext, empty, invalid, notFound, type OktaRequest, objectBody, ok } from './context.js';
import type { Routes } from './routes.js';
import {
  type EmuEnrollment,
  type EmuFactor,
  type EmuUser,
  iso,
  newId,
  newTac,
  type PushTransaction,
} from './state.js';
import { actorRef, appendEvent, userRef } from './syslog.js';
import { userParam } from './users.js';

function factorJson(ctx: EmuContext, f: EmuFactor): Record<string, unknown> {
  const href = `${ctx.baseUrl()}/api/v1/users/${f.userId}/factors/${f.id}`;
  return {
    id: f.id,
    factorType: f.factorType,
    provider: f.provider,
    vendorName: f.provider,
    status: f.status,
    created: iso(f.created),
    lastUpdated: iso(f.lastUpdated),
    profile: { ...f.profile },
    _links: {
      self: { href, hints: { allow: ['GET', 'DELETE'] } },
      verify: { href: `${href}/verify`, hints: { allow: ['POST'] } },
      user: { href: `${ctx.baseUrl()}/api/v1/users/${f.userId}` },
    },
  };
}

const ENROLLMENT_OF_FACTOR: Readonly<
  Record<EmuFactor['factorType'], { key: string; type: string; name: string }>
> = {
  push: { key: 'okta_verify', type: 'app', name: 'Okta Verify' },
  'token:software:totp': { key: 'okta_verify', type: 'app', name: 'Okta Verify' },
  webauthn: { key: 'webauthn', type: 'security_key', name: 'Security Key or Biometric' },
  sms: { key: 'phone_number', type: 'phone', name: 'Phone' },
};

function enrollmentLinks(ctx: EmuContext, userId: string, id: string): Record<string, unknown> {
  const user = `${ctx.baseUrl()}/api/v1/users/${userId}`;
  return {
    self: { href: `${user}/authenticator-enrollments/${id}`, hints: { allow: ['GET', 'DELETE'] } },
    user: { href: user },
  };
}

function enrollmentJson(ctx: EmuContext, e: EmuEnrollment): Record<string, unknown> {
  const type = e.key === 'okta_password' ? 'password' : e.key === 'okta_email' ? 'email' : 'tac';
  const profile = e.tac ? { multiUse: e.tac.multiUse, expiresAt: iso(e.tac.expiresAt) } : {};
  return {
    type,
    id: e.id,
    key: e.key,
    status: e.status,
    name: e.name,
    created: iso(e.created),
    lastUpdated: iso(e.lastUpdated),
    profile,
    _links: enrollmentLinks(ctx, e.userId, e.id),
  };
}

/** Every enrollment of a user, in Okta's OIE view: v1 factors appear under the same ids. */
export function listEnrollments(ctx: EmuContext, user: EmuUser): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const e of ctx.state.enrollments.values()) if (e.userId === user.id) out.push(enrollmentJson(ctx, e));
  for (const f of ctx.state.factors.values()) {
    if (f.userId !== user.id) continue;
    const meta = ENROLLMENT_OF_FACTOR[f.factorType];
    out.push({
      type: meta.type,
      id: f.id,
      key: meta.key,
      status: f.status,
      name: meta.name,
      created: iso(f.created),
      lastUpdated: iso(f.lastUpdated),
      profile: f.factorType === 'sms' ? { phoneNumber: f.profile.phoneNumber } : {},
      _links: enrollmentLinks(ctx, f.userId, f.id),
    });
  }
  return out;
}

function expire(ctx: EmuContext, tx: PushTransaction): void {
  if (tx.result === 'WAITING' && ctx.now() >= tx.expiresAt) tx.result = 'TIMEOUT';
}

function transactionJson(ctx: EmuContext, tx: PushTransaction): Record<string, unknown> {
  const href = `${ctx.baseUrl()}/api/v1/users/${tx.userId}/factors/${tx.factorId}/transactions/${tx.id}`;
  if (tx.result !== 'WAITING') return { factorResult: tx.result, _links: {} };
  return {
    factorResult: 'WAITING',
    expiresAt: iso(tx.expiresAt),
    _embedded: { challenge: { correctAnswer: tx.correctAnswer } },
    _links: {
      poll: { href, hints: { allow: ['GET'] } },
      cancel: { href, hints: { allow: ['DELETE'] } },
    },
  };
}

function verify(ctx: EmuContext, req: OktaRequest): Record<string, unknown> {
  const user = userParam(ctx, req, 'userId');
  const factor = ctx.state.factors.get(req.params.factorId ?? '');
  if (!factor || factor.userId !== user.id) throw notFound(req.params.factorId ?? '', 'UserFactor');
  if (factor.factorType !== 'push') throw invalid('factorType: only push verification is emulated');
  const body = req.body === undefined ? {} : objectBody(req);
  const lifetime = Number(req.query.get('tokenLifetimeSeconds') ?? ctx.pushTtlMs / 1000);
  const tx: PushTransaction = {
    id: newId('v2m'),
    userId: user.id,
    factorId: factor.id,
    result: 'WAITING',
    correctAnswer: randomInt(10, 100),
    numberMatching: body.useNumberMatchingChallenge === true,
    created: ctx.now(),
    expiresAt: ctx.now() + lifetime * 1000,
  };
  ctx.state.transactions.set(tx.id, tx);
  appendEvent(ctx, {
    eventType: 'system.push.send_factor_verify_push',
    actor: actorRef(ctx.state, req.principal),
    targets: [userRef(user)],
  });
  const json = transactionJson(ctx, tx);
  if (body.useNumberMatchingChallenge !== true) delete json._embedded;
  return json;
}

function createTac(ctx: EmuContext, req: OktaRequest): EmuEnrollment {
  const user = userParam(ctx, req, 'userId');
  const body = objectBody(req);
  const config = ctx.state.tacAuthenticator;
  if (body.authenticatorId !== config.id)
    throw invalid('authenticatorId: not the TAC authenticator of this org');
  // The shape this org honours (start.ts `tacRequestBody`); the other one's fields are ignored.
  const shape = ctx.tacRequestBody;
  const asked = (body[shape] ?? {}) as Record<string, unknown>;
  if (shape === 'config' && body.config !== undefined && body.authenticatorType !== 'tac')
    throw invalid('authenticatorType: must be tac');
  const ttl = asked.ttl === undefined ? config.defaultTtl : Number(asked.ttl);
  if (!Number.isInteger(ttl) || ttl < config.minTtl || ttl > config.maxTtl) {
    throw invalid(`${shape}.ttl: must be between ${config.minTtl} and ${config.maxTtl} minutes`);
  }
  const multiUse = asked.multiUse === true;
  if (multiUse && !config.multiUseAllowed) throw invalid(`${shape}.multiUse: multi-use is not allowed`);
  // "Issuing a new TAC invalidates any existing TAC for this user."
  for (const e of [...ctx.state.enrollments.values()]) {
    if (e.userId === user.id && e.key === 'tac') ctx.state.enrollments.delete(e.id);
  }
  const now = ctx.now();
  const tac: EmuEnrollment = {
    id: newId('tac'),
    userId: user.id,
    key: 'tac',
    name: 'Temporary Access Code',
    status: 'ACTIVE',
    created: now,
    lastUpdated: now,
    tac: { code: newTac(), multiUse, expiresAt: now + ttl * 60_000, used: false },
  };
  ctx.state.enrollments.set(tac.id, tac);
  appendEvent(ctx, {
    eventType: 'user.mfa.factor.activate',
    actor: actorRef(ctx.state, req.principal),
    targets: [
      userRef(user),
      {
        id: tac.id,
        type: 'AuthenticatorEnrollment',
        alternateId: 'unknown',
        displayName: 'Temporary Access Code',
      },
    ],
  });
  return tac;
}

function deleteEnrollment(ctx: EmuContext, req: OktaRequest): void {
  const user = userParam(ctx, req, 'userId');
  const id = req.params.enrollmentId ?? '';
  const enrollment = ctx.state.enrollments.get(id);
  const factor = ctx.state.factors.get(id);
  if (enrollment?.userId === user.id) ctx.state.enrollments.delete(id);
  else if (factor?.userId === user.id) ctx.state.factors.delete(id);
  else throw notFound(id, 'AuthenticatorEnrollment');
  appendEvent(ctx, {
    eventType: 'user.mfa.factor.deactivate',
    actor: actorRef(ctx.state, req.principal),
    targets: [
      userRef(user),
      {
        id,
        type: 'AuthenticatorEnrollment',
        alternateId: 'unknown',
        displayName: enrollment?.name ?? factor?.factorType ?? 'unknown',
      },
    ],
  });
}

/** Registers factor and authenticator-enrollment routes. */
export function registerFactors(ctx: EmuContext, r: Routes): void {
  const f = '/api/v1/users/:userId/factors';
  r('GET', f, 'okta.users.read', (req, res) => {
    const user = userParam(ctx, req, 'userId');
    ok(
      res,
      [...ctx.state.factors.values()].filter((x) => x.userId === user.id).map((x) => factorJson(ctx, x)),
    );
  });
  r('DELETE', `${f}/:factorId`, 'okta.users.credentials.resetFactors', (req, res) => {
    const user = userParam(ctx, req, 'userId');
    const factor = ctx.state.factors.get(req.params.factorId ?? '');
    if (!factor || factor.userId !== user.id) throw notFound(req.params.factorId ?? '', 'UserFactor');
    ctx.state.factors.delete(factor.id);
    appendEvent(ctx, {
      eventType: 'user.mfa.factor.deactivate',
      actor: actorRef(ctx.state, req.principal),
      targets: [
        userRef(user),
        {
          id: factor.id,
          type: 'AuthenticatorEnrollment',
          alternateId: 'unknown',
          displayName: factor.factorType,
        },
      ],
    });
    empty(res);
  });
  r('POST', `${f}/:factorId/verify`, 'okta.users.read', (req, res) => ok(res, verify(ctx, req), 201));
  r('GET', `${f}/:factorId/transactions/:transactionId`, 'okta.users.read', (req, res) => {
    const tx = ctx.state.transactions.get(req.params.transactionId ?? '');
    if (!tx || tx.factorId !== req.params.factorId)
      throw notFound(req.params.transactionId ?? '', 'Transaction');
    expire(ctx, tx);
    ok(res, transactionJson(ctx, tx));
  });
  const e = '/api/v1/users/:userId/authenticator-enrollments';
  r('GET', e, 'okta.users.read', (req, res) => ok(res, listEnrollments(ctx, userParam(ctx, req, 'userId'))));
  r('POST', `${e}/tac`, 'okta.users.credentials.manageTemporaryAccessCode', (req, res) => {
    const tac = createTac(ctx, req);
    const json = enrollmentJson(ctx, tac);
    // The code is returned once, at creation, and never again.
    ok(res, { ...json, profile: { ...(json.profile as object), tac: tac.tac?.code } });
  });
  r('GET', `${e}/:enrollmentId`, 'okta.users.read', (req, res) => {
    const user = userParam(ctx, req, 'userId');
    const found = listEnrollments(ctx, user).find((x) => x.id === req.params.enrollmentId);
    if (!found) throw notFound(req.params.enrollmentId ?? '', 'AuthenticatorEnrollment');
    ok(res, found);
  });
  r('DELETE', `${e}/:enrollmentId`, 'okta.users.credentials.resetFactors', (req, res) => {
    deleteEnrollment(ctx, req);
    empty(res);
  });
  r('GET', '/api/v1/authenticators', 'okta.authenticators.read', (_req, res) => {
    const tac = ctx.state.tacAuthenticator;
    const now = iso(0);
    const item = (
      id: string,
      key: string,
      type: string,
      name: string,
      provider?: unknown,
    ): Record<string, unknown> => ({
      id,
      key,
      type,
      name,
      status: 'ACTIVE',
      created: now,
      lastUpdated: now,
      ...(provider ? { provider } : {}),
      _links: { self: { href: `${ctx.baseUrl()}/api/v1/authenticators/${id}` } },
    });
    ok(res, [
      item('autpassword00000001', 'okta_password', 'password', 'Password'),
      item('autoktaverify000001', 'okta_verify', 'app', 'Okta Verify'),
      item(tac.id, 'tac', 'tac', 'Temporary Access Code', {
        type: 'tac',
        configuration: {
          complexity: { numbers: true, letters: true, specialCharacters: true },
          minTtl: tac.minTtl,
          maxTtl: tac.maxTtl,
          defaultTtl: tac.defaultTtl,
          length: 12,
          multiUseAllowed: tac.multiUseAllowed,
        },
      }),
    ]);
  });
}
