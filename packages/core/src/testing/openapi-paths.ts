/**
 * Finds the OpenAPI operation that serves a concrete method and path, by matching path templates
 * under the spec's server base paths.
 * @module
 */

import { isObject, type JsonObject } from './openapi-schema.js';

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** An operation found for a request. */
export interface OperationMatch {
  /** Lower-case HTTP method. */
  readonly method: string;
  /** The path template as written in the spec. */
  readonly template: string;
  readonly operation: JsonObject;
  readonly pathItem: JsonObject;
  /** Path parameter values, decoded. */
  readonly params: Readonly<Record<string, string>>;
}

/** The outcome of a lookup: a match, or whether the path exists with other methods. */
export type OperationLookup =
  | { readonly found: true; readonly match: OperationMatch }
  | { readonly found: false; readonly pathKnown: boolean };

interface Template {
  readonly template: string;
  readonly pathItem: JsonObject;
  /** One matcher per segment: a literal, or a regex with the names of its captures. */
  readonly segments: readonly (string | { readonly regex: RegExp; readonly names: readonly string[] })[];
  readonly literals: number;
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compileTemplate(template: string, pathItem: JsonObject): Template {
  let literals = 0;
  const segments = trimSlash(template)
    .split('/')
    .map((segment) => {
      if (!segment.includes('{')) {
        literals++;
        return segment;
      }
      const names: string[] = [];
      const source = segment
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const name = /^\{([^}]+)\}$/.exec(part)?.[1];
          if (name === undefined) return escapeRegex(part);
          names.push(name);
          return '([^/]+)';
        })
        .join('');
      return { regex: new RegExp(`^${source}$`), names };
    });
  return { template, pathItem, segments, literals };
}

const trimSlash = (path: string): string =>
  path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Base paths from `servers` (e.g. `/v1.0` for Graph), longest first, always ending with the empty base. */
function basePaths(doc: JsonObject): string[] {
  const bases = new Set<string>();
  for (const server of Array.isArray(doc.servers) ? doc.servers : []) {
    if (!isObject(server) || typeof server.url !== 'string') continue;
    const path = server.url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/\{[^}]+\}/g, '');
    const base = trimSlash(path) === '/' ? '' : trimSlash(path);
    if (base !== '') bases.add(base);
  }
  return [...[...bases].sort((a, b) => b.length - a.length), ''];
}

function matchTemplate(template: Template, segments: readonly string[]): Record<string, string> | null {
  if (template.segments.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [i, matcher] of template.segments.entries()) {
    const actual = segments[i] as string;
    if (typeof matcher === 'string') {
      if (matcher !== actual) return null;
      continue;
    }
    const found = matcher.regex.exec(actual);
    if (found === null) return null;
    matcher.names.forEach((name, j) => {
      params[name] = found[j + 1] as string;
    });
  }
  return params;
}

/** Builds a lookup over the document's paths. */
export function createOperationIndex(doc: JsonObject): (method: string, path: string) => OperationLookup {
  const paths = isObject(doc.paths) ? doc.paths : {};
  const templates = Object.entries(paths)
    .filter((entry): entry is [string, JsonObject] => isObject(entry[1]))
    .map(([template, item]) => compileTemplate(template, item))
    .sort((a, b) => b.literals - a.literals);
  const bases = basePaths(doc);

  return (method, rawPath) => {
    const verb = method.toLowerCase();
    const path = trimSlash(rawPath.split('?')[0] ?? '');
    let pathKnown = false;
    for (const base of bases) {
      if (base !== '' && !(path === base || path.startsWith(`${base}/`))) continue;
      const segments = trimSlash(path.slice(base.length) || '/')
        .split('/')
        .map(decodeSegment);
      for (const template of templates) {
        const params = matchTemplate(template, segments);
        if (params === null) continue;
        const operation = template.pathItem[verb];
        if (METHODS.has(verb) && isObject(operation)) {
          return {
            found: true,
            match: {
              method: verb,
              template: template.template,
              operation,
              pathItem: template.pathItem,
              params,
            },
          };
        }
        pathKnown = true;
      }
    }
    return { found: false, pathKnown };
  };
}
