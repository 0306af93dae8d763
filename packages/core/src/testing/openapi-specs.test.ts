import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createOpenApiValidator, type OpenApiValidator } from './openapi.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const specs = path.resolve(repoRoot, '..', 'shared', 'specs');
const exists = existsSync(specs);
const note = exists ? '' : ' (skipped: ../shared/specs not found)';

/** Parses each spec once per run (the Okta file is 3.4 MB). */
const cache = new Map<string, OpenApiValidator>();
function validatorFor(file: string): OpenApiValidator {
  let validator = cache.get(file);
  if (validator === undefined) {
    const document: unknown = parse(readFileSync(path.join(specs, file), 'utf8'), { maxAliasCount: -1 });
    validator = createOpenApiValidator(document);
    cache.set(file, validator);
  }
  return validator;
}

describe('createOpenApiValidator on the official IdP descriptions', () => {
  it.skipIf(!exists)(
    `okta-management.yaml: a user and a TAC request conform; broken ones do not${note}`,
    () => {
      const okta = validatorFor('okta-management.yaml');
      const user = {
        id: '00u1',
        status: 'ACTIVE',
        created: '2026-01-01T00:00:00.000Z',
        lastUpdated: '2026-01-01T00:00:00.000Z',
        profile: {
          login: 'alice@example.com',
          email: 'alice@example.com',
          firstName: 'Alice',
          lastName: 'Ng',
        },
      };
      const get = (body: unknown) =>
        okta.validateResponse({ method: 'GET', path: '/api/v1/users/00u1', status: 200, body });
      expect(get(user)).toEqual({
        problems: [],
        unknownOperation: false,
        operation: 'GET /api/v1/users/{id}',
      });
      expect(get({ ...user, status: 'ON_HOLIDAY' }).problems).toHaveLength(1);

      const tac = (body: unknown) =>
        okta.validateRequest({
          method: 'POST',
          path: '/api/v1/users/00u1/authenticator-enrollments/tac',
          body,
        });
      expect(tac({ authenticatorId: 'aut1', profile: { ttl: '10', multiUse: false } }).problems).toEqual([]);
      expect(tac({ authenticatorId: 'aut1', profile: { ttl: 10, multiUse: false } }).problems).toEqual([
        'request body /profile/ttl must be string',
      ]);
    },
  );

  it.skipIf(!exists)(
    `graph-v1.0-recovery-subset.yaml: TAP requests and method lists are checked${note}`,
    () => {
      const graph = validatorFor('graph-v1.0-recovery-subset.yaml');
      const tap = (body: unknown) =>
        graph.validateRequest({
          method: 'POST',
          path: '/v1.0/users/alice@example.com/authentication/temporaryAccessPassMethods',
          body,
        }).problems;
      expect(tap({ lifetimeInMinutes: 60, isUsableOnce: true })).toEqual([]);
      expect(tap({ lifetimeInMinutes: 'an hour', isUsableOnce: true })).toEqual([
        'request body /lifetimeInMinutes must be integer,null',
      ]);
      const methods = (value: unknown[]) =>
        graph.validateResponse({
          method: 'GET',
          path: '/v1.0/users/u1/authentication/methods',
          status: 200,
          body: { value },
        }).problems;
      const phone = {
        '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
        id: 'p1',
        phoneNumber: '+1 5550101',
      };
      expect(methods([{ ...phone, phoneType: 'mobile' }])).toEqual([]);
      expect(methods([{ ...phone, phoneType: 'pager' }])).toHaveLength(1);
    },
  );

  it.skipIf(!exists)(`keycloak-admin-26.5.2.yaml: users and execute-actions-email are checked${note}`, () => {
    const keycloak = validatorFor('keycloak-admin-26.5.2.yaml');
    const get = (body: unknown) =>
      keycloak.validateResponse({ method: 'GET', path: '/admin/realms/demo/users/u1', status: 200, body })
        .problems;
    expect(get({ id: 'u1', username: 'alice', enabled: true, email: 'alice@example.com' })).toEqual([]);
    expect(get({ id: 'u1', username: 'alice', enabled: 'yes' })).toEqual([
      'response body (200) /enabled must be boolean',
    ]);
    const actions = (query: string, body: unknown) =>
      keycloak.validateRequest({
        method: 'PUT',
        path: `/admin/realms/demo/users/u1/execute-actions-email?${query}`,
        body,
      }).problems;
    expect(actions('lifespan=600', ['UPDATE_PASSWORD'])).toEqual([]);
    expect(actions('lifespan=soon', ['UPDATE_PASSWORD'])).toEqual([
      'query parameter "lifespan" must be integer',
    ]);
  });
});
