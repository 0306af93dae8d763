/**
 * The default user schema, with custom properties added by a partial POST (null removes one).
 * @see https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Schema/
 * @module
 */

import { type EmuContext, invalid, notFound, type OktaRequest, objectBody, ok } from './context.js';
import type { Routes } from './routes.js';
import { iso } from './state.js';

const BASE_PROPERTIES: Readonly<Record<string, Record<string, unknown>>> = {
  login: {
    title: 'Username',
    type: 'string',
    required: true,
    mutability: 'READ_WRITE',
    scope: 'NONE',
    minLength: 5,
    maxLength: 100,
    permissions: [{ principal: 'SELF', action: 'READ_WRITE' }],
    master: { type: 'PROFILE_MASTER' },
  },
  firstName: {
    title: 'First name',
    type: 'string',
    required: true,
    mutability: 'READ_WRITE',
    scope: 'NONE',
    permissions: [{ principal: 'SELF', action: 'READ_WRITE' }],
    master: { type: 'PROFILE_MASTER' },
  },
  lastName: {
    title: 'Last name',
    type: 'string',
    required: true,
    mutability: 'READ_WRITE',
    scope: 'NONE',
    permissions: [{ principal: 'SELF', action: 'READ_WRITE' }],
    master: { type: 'PROFILE_MASTER' },
  },
  email: {
    title: 'Primary email',
    type: 'string',
    required: true,
    format: 'email',
    mutability: 'READ_WRITE',
    scope: 'NONE',
    permissions: [{ principal: 'SELF', action: 'READ_WRITE' }],
    master: { type: 'PROFILE_MASTER' },
  },
  secondEmail: {
    title: 'Secondary email',
    type: 'string',
    format: 'email',
    mutability: 'READ_WRITE',
    scope: 'NONE',
    permissions: [{ principal: 'SELF', action: 'READ_WRITE' }],
    master: { type: 'PROFILE_MASTER' },
  },
  mobilePhone: {
    title: 'Mobile phone',
    type: 'string',
    maxLength: 100,
    mutability: 'READ_WRITE',
    scope: 'NONE',
    permissions: [{ principal: 'SELF', action: 'READ_WRITE' }],
    master: { type: 'PROFILE_MASTER' },
  },
  managerId: {
    title: 'ManagerId',
    type: 'string',
    mutability: 'READ_WRITE',
    scope: 'NONE',
    permissions: [{ principal: 'SELF', action: 'READ_ONLY' }],
    master: { type: 'PROFILE_MASTER' },
  },
};

function schemaJson(ctx: EmuContext): Record<string, unknown> {
  const id = `${ctx.baseUrl()}/meta/schemas/user/default`;
  return {
    id,
    $schema: 'http://json-schema.org/draft-04/schema#',
    name: 'user',
    title: 'User',
    description: 'Okta user profile template with default permission settings',
    lastUpdated: iso(ctx.now()),
    created: iso(0),
    definitions: {
      base: {
        id: '#base',
        type: 'object',
        properties: BASE_PROPERTIES,
        required: ['login', 'firstName', 'lastName', 'email'],
      },
      custom: {
        id: '#custom',
        type: 'object',
        properties: Object.fromEntries(ctx.state.customSchema),
        required: [],
      },
    },
    type: 'object',
    properties: { profile: { allOf: [{ $ref: '#/definitions/custom' }, { $ref: '#/definitions/base' }] } },
    _links: {
      self: { href: `${ctx.baseUrl()}/api/v1/meta/schemas/user/default`, method: 'GET', rel: 'self' },
    },
  };
}

function update(ctx: EmuContext, req: OktaRequest): void {
  const definitions = objectBody(req).definitions as { custom?: { properties?: unknown } } | undefined;
  const properties = definitions?.custom?.properties;
  if (properties === undefined) return;
  if (typeof properties !== 'object' || properties === null)
    throw invalid('definitions.custom.properties: must be an object');
  for (const [name, value] of Object.entries(properties)) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw invalid(`${name}: invalid property name`);
    if (name in BASE_PROPERTIES) throw invalid(`${name}: a base property cannot be redefined as custom`);
    if (value === null) {
      ctx.state.customSchema.delete(name);
      continue;
    }
    if (typeof value !== 'object') throw invalid(`${name}: must be an object`);
    const merged = { ...(ctx.state.customSchema.get(name) ?? {}), ...(value as Record<string, unknown>) };
    if (!['string', 'boolean', 'number', 'integer', 'array'].includes(String(merged.type))) {
      throw invalid(`${name}.type: must be string, boolean, number, integer or array`);
    }
    ctx.state.customSchema.set(name, {
      mutability: 'READ_WRITE',
      scope: 'NONE',
      master: { type: 'PROFILE_MASTER' },
      ...merged,
    });
  }
}

/** Registers the user schema routes. */
export function registerSchema(ctx: EmuContext, r: Routes): void {
  const path = '/api/v1/meta/schemas/user/:schemaId';
  r('GET', path, 'okta.schemas.read', (req, res) => {
    if (req.params.schemaId !== 'default') throw notFound(req.params.schemaId ?? '', 'UserSchema');
    ok(res, schemaJson(ctx));
  });
  r('POST', path, 'okta.schemas.manage', (req, res) => {
    if (req.params.schemaId !== 'default') throw notFound(req.params.schemaId ?? '', 'UserSchema');
    update(ctx, req);
    ok(res, schemaJson(ctx));
  });
}
