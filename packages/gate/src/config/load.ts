/**
 * Loading `recovery-gate.yaml`: YAML, `${ENV}` references, then the schema. Every problem is one line naming
 * the path and the fix; secrets never appear in a message.
 * @module
 */

import { type ConfigIssue, configIssues, type ErrorCode, GateError, parseYaml } from '@recovery-gate/core';
import { type Adapters, loadAdapters } from './adapters.js';
import { type GateConfig, gateConfigSchema } from './schema.js';
import { quoteBareReferences, resolveSecrets } from './secrets.js';

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /** The adapters to validate provider sections with. @default loadAdapters() */
  readonly adapters?: Adapters;
}

const CODE_PRIORITY: readonly ErrorCode[] = [
  'ERR_CONFIG_INLINE_SECRET',
  'ERR_CONFIG_ENV_MISSING',
  'ERR_POLICY_BANNED_EVIDENCE',
  'ERR_POLICY_UNKNOWN_TIER',
  'ERR_POLICY_NO_TIER',
  'ERR_POLICY_UNSUPPORTED_EVIDENCE',
];

/** Adds the fix where the schema's message only states the problem. */
function withFix(message: string): string {
  if (/^Unrecognized keys?:/.test(message)) return `${message}; remove it or correct its spelling`;
  return message;
}

/** One line per issue: `path: message`. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `${i.path}: ${withFix(i.message.replace(/^ERR_[A-Z_]+:\s*/, ''))}`).join('\n');
}

/** The GateError for a list of issues, with the most specific code. */
export function issuesError(issues: readonly ConfigIssue[]): GateError {
  const code = CODE_PRIORITY.find((c) => issues.some((i) => i.code === c)) ?? 'ERR_CONFIG_INVALID';
  return new GateError(code, formatIssues(issues), {
    details: { issueCount: issues.length, issues: JSON.stringify(issues) },
  });
}

/**
 * Parses and checks the configuration text, resolving `${ENV}` references from `env`.
 * @throws GateError ERR_CONFIG_INLINE_SECRET, ERR_CONFIG_ENV_MISSING, ERR_CONFIG_INVALID or a policy code.
 */
export async function loadConfig(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  options: LoadConfigOptions = {},
): Promise<GateConfig> {
  let raw: unknown;
  try {
    raw = parseYaml(quoteBareReferences(text));
  } catch (error) {
    if (error instanceof GateError) {
      const issues = JSON.parse(String(error.details.issues ?? '[]')) as ConfigIssue[];
      throw issuesError(issues);
    }
    throw error;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw issuesError([
      { path: '(root)', code: 'ERR_CONFIG_INVALID', message: 'expected a YAML mapping at the top level' },
    ]);
  }
  const resolved = resolveSecrets(raw, env);
  if (resolved.issues.length > 0) throw issuesError(resolved.issues);
  const schema = gateConfigSchema(options.adapters ?? (await loadAdapters()));
  const result = schema.safeParse(resolved.value);
  if (!result.success) throw issuesError(configIssues(result.error));
  return result.data;
}
