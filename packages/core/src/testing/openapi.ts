/**
 * OpenAPI conformance for emulators and adapters: validates requests and responses against an official
 * OpenAPI 3.0 description with Ajv. The caller reads and parses the file; core does no I/O.
 * @module
 */

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { GateError } from '../errors.js';
import { checkParameters, checkRequestBody, checkResponse, nameOf, queryOf } from './openapi-checks.js';
import { createOperationIndex } from './openapi-paths.js';
import {
  type ConvertContext,
  convertSchema,
  findBases,
  isObject,
  type JsonObject,
} from './openapi-schema.js';

/** A request as sent to the IdP API. `path` may carry a query string when `query` is absent. */
export interface RequestToValidate {
  readonly method: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The parsed JSON body; undefined when none was sent. */
  readonly body?: unknown;
}

/** A response as the API answered it. */
export interface ResponseToValidate {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The parsed JSON body; undefined when none was sent. */
  readonly body?: unknown;
}

/** The outcome of one validation. */
export interface ConformanceResult {
  /** Readable problems; empty when the message conforms. */
  readonly problems: readonly string[];
  /** True when no operation of the spec matches the method and path. */
  readonly unknownOperation: boolean;
  /** `GET /api/v1/users/{id}` style name of the matched operation, or null. */
  readonly operation: string | null;
}

/** Validates messages against one OpenAPI document. */
export interface OpenApiValidator {
  validateRequest(request: RequestToValidate): ConformanceResult;
  validateResponse(response: ResponseToValidate): ConformanceResult;
}

/** Options for {@link createOpenApiValidator}. */
export interface OpenApiValidatorOptions {
  /** Whether query parameters the operation does not declare are problems. @default 'report' */
  readonly unknownQuery?: 'report' | 'ignore';
  /**
   * `lenient` reads `oneOf` as `anyOf`, since spec branches often overlap (no required properties, open
   * objects); `strict` keeps JSON Schema's exactly-one rule. Discriminated oneOf dispatches either way.
   * @default 'lenient'
   */
  readonly oneOf?: 'lenient' | 'strict';
}

const ROOT_ID = 'openapi:spec';
// ajv-formats is CommonJS: under NodeNext its default import is `module.exports`, whose `default` is the plugin.
const addFormats = formatsPlugin.default;

/** Builds the converted root document every `$ref` resolves into. */
function buildRoot(doc: JsonObject, bases: ReadonlySet<string>, strictOneOf: boolean): JsonObject {
  const components = isObject(doc.components) ? doc.components : {};
  const schemas = isObject(components.schemas) ? components.schemas : {};
  const local: ConvertContext = { prefix: '', bases, strictOneOf };
  const converted: JsonObject = {};
  const plain: JsonObject = {};
  for (const [name, schema] of Object.entries(schemas)) {
    converted[name] = convertSchema(schema, local, false, name);
    if (bases.has(name)) plain[name] = convertSchema(schema, local);
  }
  return { $id: ROOT_ID, components: { schemas: converted }, definitions: plain };
}

function createAjv(root: JsonObject, coerce: boolean): Ajv {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    logger: false,
    validateSchema: false,
    coerceTypes: coerce ? 'array' : false,
  });
  addFormats(ajv);
  ajv.addSchema(root);
  return ajv;
}

function formatErrors(where: string, errors: readonly ErrorObject[] | null | undefined): string[] {
  const lines = (errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map((e) => {
      const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
      const allowed = e.keyword === 'enum' ? `: ${JSON.stringify(e.params.allowedValues)}` : '';
      return `${where}${e.instancePath === '' ? '' : ` ${e.instancePath}`} ${e.message ?? e.keyword}${extra}${allowed}`;
    });
  return [...new Set(lines)];
}

/**
 * Creates a validator for one parsed OpenAPI 3.0 document (`nullable`, `$ref` into components,
 * `discriminator`/`allOf`; unknown formats ignored; additional properties allowed unless forbidden).
 * @throws GateError `ERR_INPUT_INVALID` when the document has no `paths`.
 */
export function createOpenApiValidator(
  specDocument: unknown,
  options: OpenApiValidatorOptions = {},
): OpenApiValidator {
  if (!isObject(specDocument) || !isObject(specDocument.paths)) {
    throw new GateError('ERR_INPUT_INVALID', 'The OpenAPI document has no paths object.');
  }
  const doc = specDocument;
  const find = createOperationIndex(doc);
  const bases = findBases(
    isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {},
  );
  const strictOneOf = options.oneOf === 'strict';
  const external: ConvertContext = { prefix: ROOT_ID, bases, strictOneOf };
  let engines: { readonly body: Ajv; readonly params: Ajv } | undefined;
  const compiled = {
    body: new WeakMap<object, ValidateFunction>(),
    params: new WeakMap<object, ValidateFunction>(),
  };

  /** Compiles (once per schema node) and runs a validator; problems are prefixed with `where`. */
  const check = (schema: unknown, data: unknown, where: string, coerce = false): string[] => {
    if (!isObject(schema)) return [];
    engines ??= (() => {
      const root = buildRoot(doc, bases, strictOneOf);
      return { body: createAjv(root, false), params: createAjv(root, true) };
    })();
    const cache = coerce ? compiled.params : compiled.body;
    let validate = cache.get(schema);
    if (validate === undefined) {
      const engine = coerce ? engines.params : engines.body;
      try {
        validate = engine.compile(convertSchema(schema, external) as object);
      } catch (error) {
        return [
          `${where}: the spec's schema does not compile (${error instanceof Error ? error.message : String(error)})`,
        ];
      }
      cache.set(schema, validate);
    }
    try {
      return validate(data) ? [] : formatErrors(where, validate.errors);
    } catch (error) {
      return [`${where}: the validator failed (${error instanceof Error ? error.message : String(error)})`];
    }
  };

  const lookup = (method: string, path: string) => {
    const result = find(method, path);
    if (result.found) return { match: result.match, problems: [] as string[] };
    const what = result.pathKnown
      ? `the spec has no ${method.toUpperCase()} on this path`
      : 'no path of the spec matches';
    return { match: null, problems: [`${method.toUpperCase()} ${path}: ${what}`] };
  };

  return {
    validateRequest(request) {
      const { match, problems } = lookup(request.method, request.path);
      if (match === null) return { problems, unknownOperation: true, operation: null };
      const query = request.query ?? queryOf(request.path);
      const found = [
        ...checkParameters(doc, match, query, options.unknownQuery ?? 'report', check),
        ...checkRequestBody(doc, match, request.body, check),
      ];
      return { problems: found, unknownOperation: false, operation: nameOf(match) };
    },
    validateResponse(response) {
      const { match, problems } = lookup(response.method, response.path);
      if (match === null) return { problems, unknownOperation: true, operation: null };
      return {
        problems: checkResponse(doc, match, response, check),
        unknownOperation: false,
        operation: nameOf(match),
      };
    },
  };
}
