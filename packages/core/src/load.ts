/**
 * Parsing and loading a policy: from a value or YAML text to a checked {@link Policy}, with errors that
 * name the path and what was expected, never a stack trace.
 * @module
 */

import { parseDocument } from 'yaml';
import * as z from 'zod';
import { type ErrorCode, GateError } from './errors.js';
import { type Policy, policySchema } from './schema/policy.js';

/** One problem in a configuration, safe to log and show. */
export interface ConfigIssue {
  /** Dotted path, e.g. `tiers.T1.credential.lifetime` (`(root)` for the whole document). */
  readonly path: string;
  /** What is wrong and what was expected. */
  readonly message: string;
  /** The most specific code: e.g. `ERR_POLICY_BANNED_EVIDENCE`, otherwise `ERR_CONFIG_INVALID`. */
  readonly code: ErrorCode;
}

const SPECIFIC_CODES = [
  'ERR_POLICY_BANNED_EVIDENCE',
  'ERR_POLICY_UNKNOWN_TIER',
  'ERR_POLICY_NO_TIER',
  'ERR_POLICY_UNSUPPORTED_EVIDENCE',
] as const;

function pathText(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

function issueCode(message: string): ErrorCode {
  return SPECIFIC_CODES.find((code) => message.startsWith(`${code}:`)) ?? 'ERR_CONFIG_INVALID';
}

type Issue = z.core.$ZodIssue;

/**
 * How badly a union branch misfits at its root: a wrong type counts 2, a wrong value or missing key 1.
 * A literal or enum refusing an object is a wrong type too; without `reportInput` the input is known to
 * be an object when no object branch refused its type.
 */
function rootMisfits(branch: readonly Issue[], objectInput: boolean): number {
  let score = 0;
  for (const issue of branch) {
    if (issue.path.length === 0) {
      score += issue.code === 'invalid_type' || (issue.code === 'invalid_value' && objectInput) ? 2 : 1;
    } else if (issue.path.length === 1 && issue.code === 'invalid_type' && issue.input === undefined) {
      score += 1;
    }
  }
  return score;
}

function inputIsObject(branches: readonly (readonly Issue[])[]): boolean {
  const reported = branches.flat().find((issue) => issue.path.length === 0 && issue.input !== undefined);
  if (reported !== undefined) return typeof reported.input === 'object' && reported.input !== null;
  return !branches.some((branch) =>
    branch.some(
      (issue) => issue.path.length === 0 && issue.code === 'invalid_type' && issue.expected === 'object',
    ),
  );
}

function formOf(branch: readonly Issue[]): string {
  const literal = branch.find((issue) => issue.code === 'invalid_value' && issue.path.length === 0);
  if (literal !== undefined && literal.code === 'invalid_value')
    return literal.values.map((v) => JSON.stringify(v)).join(' | ');
  const keys = branch
    .filter((issue) => issue.path.length === 1 && issue.code === 'invalid_type')
    .map((i) => String(i.path[0]));
  return keys.length > 0 ? `{ ${keys.join(', ')} }` : 'another form';
}

function flatten(issue: Issue, prefix: readonly PropertyKey[]): { path: PropertyKey[]; message: string }[] {
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [{ path, message: issue.message }];
  const objectInput = inputIsObject(issue.errors);
  const scored = issue.errors.map((branch) => ({ branch, misfits: rootMisfits(branch, objectInput) }));
  const best = Math.min(...scored.map((entry) => entry.misfits));
  const fits = scored.filter((entry) => entry.misfits === best);
  if (fits.length === 1 && fits[0] !== undefined)
    return fits[0].branch.flatMap((inner) => flatten(inner, path));
  const forms = [...new Set(issue.errors.map(formOf))].join(' or ');
  return [{ path, message: `Invalid input: expected ${forms}` }];
}

/** The issues of a zod error as {@link ConfigIssue}s (union errors narrowed to the branch that fits best). */
export function configIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues
    .flatMap((issue) => flatten(issue as Issue, []))
    .map(({ path, message }) => ({ path: pathText(path), message, code: issueCode(message) }));
}

function configError(issues: readonly ConfigIssue[], what: string): GateError {
  // The message is built from our own issue list, like z.prettifyError, with the flattened union issues.
  const lines = issues.map((issue) => `  ✖ ${issue.message}\n    → at ${issue.path}`);
  return new GateError(
    'ERR_CONFIG_INVALID',
    `${what} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    { details: { issueCount: issues.length, issues: JSON.stringify(issues) } },
  );
}

/** A GateError `ERR_CONFIG_INVALID` for a zod error: a message naming each path, issues in `details.issues`. */
export function toConfigError(error: z.ZodError, what = 'The configuration'): GateError {
  return configError(configIssues(error), what);
}

/** The {@link ConfigIssue}s carried by an `ERR_CONFIG_INVALID` error; empty for any other error. */
export function readConfigIssues(error: unknown): readonly ConfigIssue[] {
  if (!(error instanceof GateError) || error.code !== 'ERR_CONFIG_INVALID') return [];
  const raw = error.details.issues;
  return typeof raw === 'string' ? (JSON.parse(raw) as ConfigIssue[]) : [];
}

/**
 * Parses `value` with any zod schema (e.g. the gate's whole-file schema built on {@link policySchema}).
 * @throws GateError `ERR_CONFIG_INVALID` naming every path that is wrong.
 */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, what?: string): z.infer<S> {
  // reportInput lets union errors pick the branch that fits; inputs never reach a message.
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw toConfigError(result.error, what);
  return result.data;
}

/**
 * Parses YAML text to a plain value. Errors give line and column only: a source excerpt could carry a
 * secret someone wrote inline.
 * @throws GateError `ERR_CONFIG_INVALID` when the text is not valid YAML.
 */
export function parseYaml(text: string): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const issues: ConfigIssue[] = document.errors.map((error) => {
      const at = error.linePos?.[0];
      return {
        path: at === undefined ? '(yaml)' : `(yaml line ${at.line}, column ${at.col})`,
        message: `not valid YAML (${error.code})`,
        code: 'ERR_CONFIG_INVALID',
      };
    });
    throw configError(issues, 'The YAML');
  }
  return document.toJS({ maxAliasCount: 100 });
}

/**
 * Checks a policy value (already parsed from YAML or JSON) and applies defaults.
 * @throws GateError `ERR_CONFIG_INVALID` naming every path that is wrong.
 */
export function parsePolicy(value: unknown): Policy {
  return parseConfig(policySchema, value, 'The policy');
}

/**
 * Loads a policy from YAML text.
 * @throws GateError `ERR_CONFIG_INVALID` for bad YAML or a policy that does not check.
 */
export function loadPolicyYaml(text: string): Policy {
  return parsePolicy(parseYaml(text));
}

/** The JSON Schema of the policy as users write it, for editors (YAML language server, IDEs). */
export function policyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(policySchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
