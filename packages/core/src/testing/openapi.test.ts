import { describe, expect, it } from 'vitest';
import { createOpenApiValidator } from './openapi.js';

const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });

/** A small OpenAPI 3.0 document exercising what the real IdP specs use. */
const SPEC = {
  openapi: '3.0.3',
  info: { title: 'fixture', version: '1' },
  servers: [{ url: 'https://api.example.test/v1.0' }],
  paths: {
    '/users/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        parameters: [{ name: 'expand', in: 'query', schema: { type: 'boolean' } }],
        responses: {
          '200': json({ $ref: '#/components/schemas/User' }),
          '4XX': { $ref: '#/components/responses/Error' },
        },
      },
      delete: { responses: { '204': { description: 'gone' } } },
    },
    '/users/me': { get: { responses: { '200': json({ type: 'object', required: ['me'] }) } } },
    '/users/{id}/tac': {
      post: {
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { $ref: '#/components/parameters/Limit' },
        ],
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/TacRequest' }) },
        responses: { default: json({ $ref: '#/components/schemas/Error' }) },
      },
    },
    '/methods': {
      get: {
        responses: {
          '200': json({
            type: 'object',
            properties: { value: { type: 'array', items: { $ref: '#/components/schemas/Method' } } },
          }),
        },
      },
    },
    '/roles': {
      post: {
        requestBody: json({
          oneOf: [{ $ref: '#/components/schemas/StandardRole' }, { $ref: '#/components/schemas/CustomRole' }],
          discriminator: {
            propertyName: 'type',
            mapping: {
              HELP_DESK: '#/components/schemas/StandardRole',
              CUSTOM: '#/components/schemas/CustomRole',
            },
          },
        }),
        responses: { '200': { description: 'ok' } },
      },
    },
  },
  components: {
    parameters: {
      Limit: {
        name: 'limit',
        in: 'query',
        required: true,
        schema: { type: 'integer', minimum: 1, exclusiveMinimum: true },
      },
    },
    responses: { Error: json({ $ref: '#/components/schemas/Error' }) },
    schemas: {
      Error: { type: 'object', required: ['errorCode'], properties: { errorCode: { type: 'string' } } },
      User: {
        type: 'object',
        required: ['id', 'status', 'profile'],
        properties: {
          id: { type: 'string', readOnly: true },
          status: { type: 'string', enum: ['ACTIVE', 'SUSPENDED'] },
          lastLogin: { type: 'string', format: 'date-time', nullable: true },
          birthday: { type: 'string', format: 'yyyy-mm-dd' },
          manager: { allOf: [{ $ref: '#/components/schemas/Person' }], nullable: true },
          profile: { $ref: '#/components/schemas/Profile' },
        },
      },
      Person: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
      Profile: { type: 'object', required: ['login'], properties: { login: { type: 'string' } } },
      TacRequest: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'ttl'],
        properties: {
          id: { type: 'string', readOnly: true },
          ttl: { type: 'string' },
          multiUse: { type: 'boolean' },
        },
      },
      Method: {
        allOf: [
          { $ref: '#/components/schemas/Entity' },
          {
            type: 'object',
            properties: { '@odata.type': { type: 'string' } },
            discriminator: {
              propertyName: '@odata.type',
              mapping: {
                '#phone': '#/components/schemas/PhoneMethod',
                '#password': '#/components/schemas/PasswordMethod',
              },
            },
          },
        ],
      },
      Entity: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
      PhoneMethod: {
        allOf: [
          { $ref: '#/components/schemas/Method' },
          { type: 'object', properties: { phoneType: { type: 'string', enum: ['mobile', 'office'] } } },
        ],
      },
      PasswordMethod: {
        allOf: [
          { $ref: '#/components/schemas/Method' },
          { type: 'object', properties: { password: { type: 'string', nullable: true } } },
        ],
      },
      StandardRole: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
      CustomRole: {
        type: 'object',
        required: ['type', 'role'],
        properties: { type: { type: 'string' }, role: { type: 'string' } },
      },
    },
  },
};

const validator = createOpenApiValidator(SPEC);
const user = { id: 'u1', status: 'ACTIVE', lastLogin: null, profile: { login: 'alice@example.com' } };

describe('createOpenApiValidator: finding the operation', () => {
  it('matches a path template under the server base path and names the operation', () => {
    const result = validator.validateResponse({
      method: 'GET',
      path: '/v1.0/users/u1',
      status: 200,
      body: user,
    });
    expect(result).toEqual({ problems: [], unknownOperation: false, operation: 'GET /users/{id}' });
  });

  it('prefers a literal segment over a template (/users/me)', () => {
    const result = validator.validateResponse({ method: 'GET', path: '/users/me', status: 200, body: {} });
    expect(result.operation).toBe('GET /users/me');
    expect(result.problems).toEqual(["response body (200) must have required property 'me'"]);
  });

  it('flags an unknown path as an unknown operation', () => {
    const result = validator.validateRequest({ method: 'GET', path: '/groups/g1' });
    expect(result.unknownOperation).toBe(true);
    expect(result.problems).toEqual(['GET /groups/g1: no path of the spec matches']);
  });

  it('flags a method the path does not have as an unknown operation', () => {
    const result = validator.validateRequest({ method: 'PATCH', path: '/users/u1' });
    expect(result.unknownOperation).toBe(true);
    expect(result.problems[0]).toContain('the spec has no PATCH on this path');
  });

  it('refuses a document without paths with ERR_INPUT_INVALID', () => {
    expect(() => createOpenApiValidator({ openapi: '3.0.3' })).toThrow(
      expect.objectContaining({ code: 'ERR_INPUT_INVALID' }),
    );
  });
});

describe('createOpenApiValidator: bodies', () => {
  it('accepts a conformant response with extra properties (additionalProperties is lenient)', () => {
    const body = { ...user, extra: 1, profile: { login: 'a', nickName: 'x' } };
    expect(
      validator.validateResponse({ method: 'GET', path: '/users/u1', status: 200, body }).problems,
    ).toEqual([]);
  });

  it('names the path and rule of each problem through $ref into components', () => {
    const body = { ...user, status: 'GONE', profile: { login: 7 } };
    expect(
      validator.validateResponse({ method: 'GET', path: '/users/u1', status: 200, body }).problems,
    ).toEqual([
      'response body (200) /status must be equal to one of the allowed values: ["ACTIVE","SUSPENDED"]',
      'response body (200) /profile/login must be string',
    ]);
  });

  it('accepts null only where the spec says nullable (also around allOf)', () => {
    const ok = { ...user, lastLogin: null, manager: null };
    expect(
      validator.validateResponse({ method: 'GET', path: '/users/u1', status: 200, body: ok }).problems,
    ).toEqual([]);
    const bad = { ...user, status: null };
    expect(
      validator.validateResponse({ method: 'GET', path: '/users/u1', status: 200, body: bad }).problems,
    ).toHaveLength(2);
  });

  it('checks known formats and ignores unknown ones', () => {
    const bad = { ...user, lastLogin: 'yesterday', birthday: 'whenever' };
    expect(
      validator.validateResponse({ method: 'GET', path: '/users/u1', status: 200, body: bad }).problems,
    ).toEqual(['response body (200) /lastLogin must match format "date-time"']);
  });

  it('enforces additionalProperties: false where the spec forbids extras', () => {
    const body = { ttl: '60', colour: 'red' };
    const result = validator.validateRequest({ method: 'POST', path: '/users/u1/tac?limit=2', body });
    expect(result.problems).toEqual(['request body must NOT have additional properties (colour)']);
  });

  it('does not require readOnly properties in a request', () => {
    const result = validator.validateRequest({
      method: 'POST',
      path: '/users/u1/tac?limit=2',
      body: { ttl: '60' },
    });
    expect(result.problems).toEqual([]);
  });

  it('reports a missing required request body and a body sent to an operation that takes none', () => {
    expect(validator.validateRequest({ method: 'POST', path: '/users/u1/tac?limit=2' }).problems).toEqual([
      'request body is required',
    ]);
    expect(
      validator.validateRequest({ method: 'DELETE', path: '/users/u1', body: { a: 1 } }).problems,
    ).toEqual(['DELETE /users/{id} takes no request body']);
  });
});

describe('createOpenApiValidator: polymorphism', () => {
  const methods = (value: unknown[]) =>
    validator.validateResponse({ method: 'GET', path: '/methods', status: 200, body: { value } }).problems;

  it('validates each item against the subtype its discriminator names (base with mapping in allOf)', () => {
    expect(
      methods([
        { id: 'm1', '@odata.type': '#phone', phoneType: 'mobile' },
        { id: 'm2', '@odata.type': '#password' },
      ]),
    ).toEqual([]);
    expect(methods([{ id: 'm1', '@odata.type': '#phone', phoneType: 'pager' }])).toEqual([
      'response body (200) /value/0/phoneType must be equal to one of the allowed values: ["mobile","office"]',
    ]);
  });

  it('still checks the base schema when the tag is unknown', () => {
    expect(methods([{ '@odata.type': '#other' }])).toEqual([
      "response body (200) /value/0 must have required property 'id'",
    ]);
  });

  it('reads an undiscriminated oneOf as anyOf unless told to be strict', () => {
    const overlap = {
      openapi: '3.0.3',
      paths: {
        '/verify': {
          post: {
            requestBody: json({
              oneOf: [
                { type: 'object', properties: { passCode: { type: 'string' } } },
                { type: 'object', properties: { useNumberMatchingChallenge: { type: 'boolean' } } },
              ],
            }),
            responses: {},
          },
        },
      },
    };
    const body = { useNumberMatchingChallenge: true };
    const lenient = createOpenApiValidator(overlap);
    expect(lenient.validateRequest({ method: 'POST', path: '/verify', body }).problems).toEqual([]);
    expect(
      lenient.validateRequest({
        method: 'POST',
        path: '/verify',
        body: { passCode: 7, useNumberMatchingChallenge: 'yes' },
      }).problems,
    ).not.toEqual([]);
    const strict = createOpenApiValidator(overlap, { oneOf: 'strict' });
    expect(strict.validateRequest({ method: 'POST', path: '/verify', body }).problems).toEqual([
      'request body must match exactly one schema in oneOf',
    ]);
  });

  it('picks the oneOf variant by discriminator, so overlapping variants do not fail oneOf', () => {
    const post = (body: unknown) =>
      validator.validateRequest({ method: 'POST', path: '/roles', body }).problems;
    expect(post({ type: 'HELP_DESK' })).toEqual([]);
    expect(post({ type: 'CUSTOM', role: 'r1' })).toEqual([]);
    expect(post({ type: 'CUSTOM' })).toEqual(["request body must have required property 'role'"]);
  });
});

describe('createOpenApiValidator: parameters and statuses', () => {
  it('coerces and checks query parameters, including exclusiveMinimum: true', () => {
    const problems = (path: string) =>
      validator.validateRequest({ method: 'POST', path, body: { ttl: '1' } }).problems;
    expect(problems('/users/u1/tac?limit=2')).toEqual([]);
    expect(problems('/users/u1/tac?limit=1')).toEqual(['query parameter "limit" must be > 1']);
    expect(problems('/users/u1/tac')).toEqual(['query parameter "limit" is required']);
  });

  it('reports undeclared query parameters unless told to ignore them', () => {
    const request = { method: 'GET', path: '/users/u1', query: { expand: 'true', colour: 'red' } };
    expect(validator.validateRequest(request).problems).toEqual(['query parameter "colour" is not declared']);
    const lenient = createOpenApiValidator(SPEC, { unknownQuery: 'ignore' });
    expect(lenient.validateRequest(request).problems).toEqual([]);
    expect(validator.validateRequest({ ...request, query: { expand: 'maybe' } }).problems).toEqual([
      'query parameter "expand" must be boolean',
    ]);
  });

  it('matches 4XX ranges and default responses through $ref', () => {
    const error = (status: number, body: unknown) =>
      validator.validateResponse({ method: 'GET', path: '/users/u1', status, body }).problems;
    expect(error(404, { errorCode: 'E0000007' })).toEqual([]);
    expect(error(404, { message: 'x' })).toEqual([
      "response body (404) must have required property 'errorCode'",
    ]);
    const viaDefault = validator.validateResponse({
      method: 'POST',
      path: '/users/u1/tac',
      status: 500,
      body: {},
    });
    expect(viaDefault.problems).toEqual(["response body (500) must have required property 'errorCode'"]);
  });

  it('reports an undeclared status and a body where none is declared', () => {
    expect(validator.validateResponse({ method: 'GET', path: '/users/u1', status: 503 }).problems).toEqual([
      'status 503 is not declared for GET /users/{id}',
    ]);
    expect(validator.validateResponse({ method: 'DELETE', path: '/users/u1', status: 204 }).problems).toEqual(
      [],
    );
    expect(
      validator.validateResponse({ method: 'DELETE', path: '/users/u1', status: 204, body: { a: 1 } })
        .problems,
    ).toEqual(['status 204 of DELETE /users/{id} declares no body']);
  });
});
