/**
 * Turns OpenAPI 3.0 schema objects into JSON Schema that Ajv validates: `nullable`, boolean exclusive
 * bounds, `$ref` siblings, readOnly/writeOnly in `required`, and `discriminator` dispatch.
 * @module
 */

/** A JSON object as parsed from YAML or JSON. */
export type JsonObject = Record<string, unknown>;

/** True for a plain (non-array) object. */
export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Where converted schemas point their `$ref`s, and which component schemas dispatch on a discriminator. */
export interface ConvertContext {
  /** Prepended to local refs (`#/...`): empty inside the root document, its `$id` elsewhere. */
  readonly prefix: string;
  /** Component schema names that carry a discriminator mapping but no oneOf/anyOf (polymorphic bases). */
  readonly bases: ReadonlySet<string>;
  /** True to keep `oneOf` exclusive; false reads it as `anyOf` (spec branches often overlap). */
  readonly strictOneOf: boolean;
}

const COMPONENT_SCHEMA = '#/components/schemas/';
/** Where the non-dispatching copy of a polymorphic base lives in the root document. */
export const PLAIN_PREFIX = '#/definitions/';

/** Escapes one JSON-pointer token for use in a URI fragment. */
export const pointerToken = (token: string): string =>
  encodeURIComponent(token.replaceAll('~', '~0').replaceAll('/', '~1'));

/** The component schema name a `$ref` points to, or null. */
export function componentName(ref: string): string | null {
  return ref.startsWith(COMPONENT_SCHEMA) ? decodeURIComponent(ref.slice(COMPONENT_SCHEMA.length)) : null;
}

/**
 * The discriminator of a polymorphic base: a mapping on the schema itself or on one of its inline allOf
 * members (Graph puts it there), without oneOf/anyOf alternatives.
 */
function baseDiscriminator(schema: JsonObject): JsonObject | null {
  if (schema.oneOf !== undefined || schema.anyOf !== undefined) return null;
  const candidates = [schema, ...(Array.isArray(schema.allOf) ? schema.allOf : [])];
  for (const candidate of candidates) {
    if (!isObject(candidate) || candidate.$ref !== undefined || candidate.oneOf !== undefined) continue;
    const { discriminator } = candidate;
    if (isObject(discriminator) && isObject(discriminator.mapping)) return discriminator;
  }
  return null;
}

/** Names of component schemas that are polymorphic bases (see {@link baseDiscriminator}). */
export function findBases(schemas: JsonObject): Set<string> {
  const bases = new Set<string>();
  for (const [name, schema] of Object.entries(schemas)) {
    if (isObject(schema) && baseDiscriminator(schema) !== null) bases.add(name);
  }
  return bases;
}

const SKIPPED = new Set([
  'nullable',
  'discriminator',
  'example',
  'examples',
  'xml',
  'externalDocs',
  'deprecated',
  'readOnly',
  'writeOnly',
]);

function convertRef(node: JsonObject, ctx: ConvertContext, inAllOf: boolean): JsonObject {
  const ref = String(node.$ref);
  const name = componentName(ref);
  const target =
    inAllOf && name !== null && ctx.bases.has(name) ? `${PLAIN_PREFIX}${pointerToken(name)}` : ref;
  const out: JsonObject = { $ref: target.startsWith('#') ? `${ctx.prefix}${target}` : target };
  return node.nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
}

const mapSchemas = (value: unknown, ctx: ConvertContext, inAllOf = false): unknown =>
  Array.isArray(value) ? value.map((s) => convertSchema(s, ctx, inAllOf)) : value;

const mapProperties = (value: unknown, ctx: ConvertContext): unknown =>
  isObject(value)
    ? Object.fromEntries(Object.entries(value).map(([k, s]) => [k, convertSchema(s, ctx)]))
    : value;

/** Required names minus readOnly/writeOnly properties (a request need not send them, a response may omit them). */
function requiredOf(node: JsonObject): unknown {
  if (!Array.isArray(node.required) || !isObject(node.properties)) return node.required;
  const props = node.properties;
  return node.required.filter((name) => {
    const prop = props[String(name)];
    return !(isObject(prop) && (prop.readOnly === true || prop.writeOnly === true));
  });
}

/** A pattern JavaScript can run (Ajv uses the `u` flag), or undefined: Java-only syntax like `(?i)` is dropped. */
function validPattern(value: unknown): unknown {
  try {
    new RegExp(String(value), 'u');
    return value;
  } catch {
    return undefined;
  }
}

function convertKeyword(key: string, value: unknown, node: JsonObject, ctx: ConvertContext): unknown {
  switch (key) {
    case 'properties':
    case 'patternProperties':
      return mapProperties(value, ctx);
    case 'items':
    case 'additionalProperties':
    case 'not':
      return isObject(value) ? convertSchema(value, ctx) : value;
    case 'allOf':
      return mapSchemas(value, ctx, true);
    case 'anyOf':
    case 'oneOf':
      return mapSchemas(value, ctx);
    case 'required':
      return requiredOf(node);
    case 'pattern':
      return validPattern(value);
    default:
      return value;
  }
}

function applyBounds(out: JsonObject): void {
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (out[flag] === true && typeof out[bound] === 'number') {
      out[flag] = out[bound];
      delete out[bound];
    } else if (typeof out[flag] === 'boolean') {
      delete out[flag];
    }
  }
}

function applyNullable(out: JsonObject): JsonObject {
  const composed = out.allOf !== undefined || out.anyOf !== undefined || out.oneOf !== undefined;
  if (typeof out.type === 'string' && !composed) {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  if (Array.isArray(out.type) && !composed) return out;
  return { anyOf: [out, { type: 'null' }] };
}

/** The discriminator mapping (explicit, or implied by the names of oneOf/anyOf refs). */
function mappingOf(discriminator: JsonObject, variants: unknown): Map<string, string> {
  const mapping = new Map<string, string>();
  if (isObject(discriminator.mapping)) {
    for (const [value, ref] of Object.entries(discriminator.mapping)) {
      const target = String(ref);
      mapping.set(value, target.startsWith('#') ? target : `${COMPONENT_SCHEMA}${target}`);
    }
  } else if (Array.isArray(variants)) {
    for (const variant of variants) {
      const name = isObject(variant) && typeof variant.$ref === 'string' ? componentName(variant.$ref) : null;
      if (name !== null && isObject(variant)) mapping.set(name, String(variant.$ref));
    }
  }
  return mapping;
}

/** A JSON Schema `if`/`then`/`else` node. */
function conditional(condition: JsonObject, then: JsonObject, otherwise?: JsonObject): JsonObject {
  const node: JsonObject = { if: condition };
  // biome-ignore lint/suspicious/noThenProperty: `then` is a JSON Schema keyword here, not a thenable.
  node.then = then;
  if (otherwise !== undefined) node.else = otherwise;
  return node;
}

/** Validates against the mapped schema when the tag is known; `fallback` (anyOf) otherwise. */
function dispatch(property: string, mapping: Map<string, string>, ctx: ConvertContext, fallback?: unknown) {
  const branches = [...mapping].map(([value, ref]) =>
    conditional(
      { properties: { [property]: { const: value } }, required: [property] },
      { $ref: `${ctx.prefix}${ref}` },
    ),
  );
  if (fallback === undefined) return { allOf: branches };
  const known = { properties: { [property]: { enum: [...mapping.keys()] } }, required: [property] };
  return conditional(known, { allOf: branches }, { anyOf: fallback });
}

function applyDiscriminator(node: JsonObject, out: JsonObject, ctx: ConvertContext, self: string | null) {
  const variants = node.oneOf ?? node.anyOf;
  const discriminator =
    variants !== undefined ? node.discriminator : self !== null ? baseDiscriminator(node) : undefined;
  if (!isObject(discriminator) || typeof discriminator.propertyName !== 'string') return;
  const mapping = mappingOf(discriminator, variants);
  // A base that maps a tag to itself would dispatch to itself forever.
  for (const [value, ref] of mapping) if (self !== null && componentName(ref) === self) mapping.delete(value);
  if (mapping.size === 0) return;
  if (variants !== undefined) {
    const fallback = out.oneOf ?? out.anyOf;
    delete out.oneOf;
    delete out.anyOf;
    out.allOf = [
      ...((out.allOf as unknown[]) ?? []),
      dispatch(discriminator.propertyName, mapping, ctx, fallback),
    ];
  } else if (self !== null) {
    out.allOf = [...((out.allOf as unknown[]) ?? []), dispatch(discriminator.propertyName, mapping, ctx)];
  }
}

/** Reads `oneOf` as `anyOf`: branches without required properties or closed objects overlap. */
function relaxOneOf(out: JsonObject): JsonObject {
  const { oneOf, ...rest } = out;
  if (rest.anyOf === undefined) return { ...rest, anyOf: oneOf };
  return { ...rest, allOf: [...((rest.allOf as unknown[]) ?? []), { anyOf: oneOf }] };
}

/**
 * Converts one OpenAPI 3.0 schema. `self` names the component being converted (a polymorphic base
 * dispatches on its discriminator; its plain copy, converted with `self` null, does not).
 */
export function convertSchema(
  node: unknown,
  ctx: ConvertContext,
  inAllOf = false,
  self: string | null = null,
): unknown {
  if (!isObject(node)) return node;
  if (typeof node.$ref === 'string') return convertRef(node, ctx, inAllOf);
  let out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (SKIPPED.has(key) || key.startsWith('x-')) continue;
    const converted = convertKeyword(key, value, node, ctx);
    if (converted !== undefined) out[key] = converted;
  }
  applyBounds(out);
  applyDiscriminator(node, out, ctx, self);
  if (!ctx.strictOneOf && out.oneOf !== undefined) out = relaxOneOf(out);
  if (node.nullable === true) out = applyNullable(out);
  return out;
}
