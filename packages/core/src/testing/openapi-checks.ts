/**
 * The checks behind the OpenAPI validator: parameters, request bodies and responses of one operation.
 * @module
 */

import type { OperationMatch } from './openapi-paths.js';
import { isObject, type JsonObject } from './openapi-schema.js';

/** Query values as a caller passes them. */
export type QueryValues = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Compiles and runs one schema against data; returns readable problems prefixed with `where`. */
export type Check = (schema: unknown, data: unknown, where: string, coerce?: boolean) => string[];

/** Follows a local `$ref` of a non-schema object (parameter, requestBody, response), with a loop bound. */
export function deref(doc: JsonObject, value: unknown): JsonObject | null {
  let current = value;
  for (let i = 0; i < 10 && isObject(current) && typeof current.$ref === 'string'; i++) {
    const ref: string = current.$ref;
    if (!ref.startsWith('#/')) return null;
    current = ref
      .slice(2)
      .split('/')
      .map((t) => decodeURIComponent(t).replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<unknown>((node, token) => (isObject(node) ? node[token] : undefined), doc);
  }
  return isObject(current) ? current : null;
}

/** The JSON schema of a `content` map: application/json first, then any JSON type, then a wildcard. */
export function contentSchema(content: unknown): { readonly present: boolean; readonly schema: unknown } {
  if (!isObject(content) || Object.keys(content).length === 0) return { present: false, schema: undefined };
  const types = Object.keys(content);
  const type =
    types.find((t) => t === 'application/json') ??
    types.find((t) => t.includes('json')) ??
    types.find((t) => t === '*/*') ??
    types[0];
  const media = type === undefined ? undefined : content[type];
  return { present: true, schema: isObject(media) ? media.schema : undefined };
}

const isEmptyBody = (body: unknown): boolean =>
  body === undefined || body === null || body === '' || (isObject(body) && Object.keys(body).length === 0);

/** `GET /users/{id}` style name of an operation. */
export const nameOf = (match: OperationMatch): string => `${match.method.toUpperCase()} ${match.template}`;

/** Parses the query string of a path. */
export function queryOf(path: string): Record<string, string | string[]> {
  const index = path.indexOf('?');
  const query: Record<string, string | string[]> = {};
  if (index < 0) return query;
  for (const [key, value] of new URLSearchParams(path.slice(index + 1))) {
    const prior = query[key];
    query[key] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
  }
  return query;
}

/** Path-level and operation-level parameters, the operation's winning on name and location. */
function parametersOf(doc: JsonObject, match: OperationMatch): JsonObject[] {
  const all = [
    ...(Array.isArray(match.pathItem.parameters) ? match.pathItem.parameters : []),
    ...(Array.isArray(match.operation.parameters) ? match.operation.parameters : []),
  ];
  const byKey = new Map<string, JsonObject>();
  for (const raw of all) {
    const param = deref(doc, raw);
    if (param !== null) byKey.set(`${String(param.in)}:${String(param.name)}`, param);
  }
  return [...byKey.values()];
}

/** Checks path and query parameters (required, schema, undeclared). */
export function checkParameters(
  doc: JsonObject,
  match: OperationMatch,
  query: QueryValues,
  unknownQuery: 'report' | 'ignore',
  check: Check,
): string[] {
  const problems: string[] = [];
  const params = parametersOf(doc, match);
  for (const param of params) {
    const name = String(param.name);
    const value = param.in === 'query' ? query[name] : param.in === 'path' ? match.params[name] : undefined;
    if (param.in !== 'query' && param.in !== 'path') continue;
    if (value === undefined) {
      if (param.required === true) problems.push(`${param.in} parameter "${name}" is required`);
      continue;
    }
    const data = Array.isArray(value) ? [...value] : value;
    problems.push(...check(param.schema, data, `${param.in} parameter "${name}"`, true));
  }
  if (unknownQuery === 'report') {
    const declared = new Set(params.filter((p) => p.in === 'query').map((p) => String(p.name)));
    for (const name of Object.keys(query)) {
      if (!declared.has(name) && query[name] !== undefined)
        problems.push(`query parameter "${name}" is not declared`);
    }
  }
  return problems;
}

/** Checks the request body against the operation's requestBody. */
export function checkRequestBody(
  doc: JsonObject,
  match: OperationMatch,
  body: unknown,
  check: Check,
): string[] {
  const requestBody = deref(doc, match.operation.requestBody);
  if (requestBody === null) {
    return isEmptyBody(body) ? [] : [`${nameOf(match)} takes no request body`];
  }
  if (body === undefined) return requestBody.required === true ? ['request body is required'] : [];
  const { schema } = contentSchema(requestBody.content);
  return check(schema, body, 'request body');
}

/** Checks a response status and body against the operation's responses. */
export function checkResponse(
  doc: JsonObject,
  match: OperationMatch,
  response: { readonly status: number; readonly body?: unknown },
  check: Check,
): string[] {
  const responses = isObject(match.operation.responses) ? match.operation.responses : {};
  const status = String(response.status);
  const declared =
    responses[status] ??
    responses[`${status[0] ?? ''}XX`] ??
    responses[`${status[0] ?? ''}xx`] ??
    responses.default;
  if (declared === undefined) return [`status ${status} is not declared for ${nameOf(match)}`];
  const resolved = deref(doc, declared);
  const { present, schema } = contentSchema(resolved?.content);
  if (!present)
    return isEmptyBody(response.body) ? [] : [`status ${status} of ${nameOf(match)} declares no body`];
  if (response.body === undefined) return [];
  return check(schema, response.body, `response body (${status})`);
}
