/**
 * Secrets in the configuration: only `${ENV_NAME}` references, resolved from an env object. Inline secrets in
 * secret-named fields, and URLs with embedded credentials, are refused, naming the path and never the value.
 * @module
 */

import { type ConfigIssue, isSecretValue, isSecretKey as namesSecret } from '@recovery-gate/core';

/** Keys that are secrets inside `notifications` (webhook URLs embed tokens, SMTP URLs embed passwords). */
const NOTIFICATION_SECRET_KEYS = new Set(['webhook', 'smtp', 'url']);

const REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const EMBEDDED = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:[^/@\s]+@/i;

/** True when a field of this name must hold a `${ENV}` reference: core's one rule, plus notification URLs. */
export function isSecretKey(key: string, path: readonly string[]): boolean {
  const normal = key.toLowerCase().replace(/[-_]/g, '');
  if (path[0] === 'notifications' && NOTIFICATION_SECRET_KEYS.has(normal)) return true;
  return namesSecret(key);
}

/** The field a value sits under: list items count as their list's field (`codes: [...]`). */
function fieldOf(path: readonly string[]): string | undefined {
  for (let i = path.length - 1; i >= 0; i -= 1) if (!/^\d+$/.test(path[i] as string)) return path[i];
  return undefined;
}

function pathText(path: readonly string[]): string {
  return path.length === 0 ? '(root)' : path.join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]');
}

/** The result of resolving references: the value with references replaced, and the problems found. */
export interface Resolved {
  readonly value: unknown;
  readonly issues: readonly ConfigIssue[];
}

/**
 * Replaces `${NAME}` references with `env[NAME]` throughout `value`, and checks that secret-named fields
 * hold exactly one reference. Missing or empty variables and inline secrets become issues.
 */
export function resolveSecrets(value: unknown, env: Readonly<Record<string, string | undefined>>): Resolved {
  const issues: ConfigIssue[] = [];
  const lookup = (name: string, path: readonly string[]): string => {
    const found = env[name];
    if (found === undefined || found === '') {
      issues.push({
        path: pathText(path),
        code: 'ERR_CONFIG_ENV_MISSING',
        message: `environment variable ${name} is not set; set it before starting the gate`,
      });
      return '';
    }
    return found;
  };
  const walk = (node: unknown, path: string[]): unknown => {
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, String(i)]));
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    if (typeof node !== 'string') {
      const key = fieldOf(path);
      // A number under a secret name is an inline secret too (YAML reads `password: 123456` as a number).
      if (key !== undefined && isSecretKey(key, path) && isSecretValue(node)) inline(path);
      return node;
    }
    const whole = REFERENCE.exec(node);
    if (whole !== null) return lookup(whole[1] as string, path);
    const key = fieldOf(path);
    if (
      (key !== undefined && isSecretKey(key, path) && isSecretValue(node)) ||
      URL_WITH_PASSWORD.test(node)
    ) {
      inline(path);
      return node;
    }
    return node.replace(EMBEDDED, (_, name: string) => lookup(name, path));
  };
  const inline = (path: readonly string[]): void => {
    issues.push({
      path: pathText(path),
      code: 'ERR_CONFIG_INLINE_SECRET',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
      message: 'a secret is written inline; write ${ENV_NAME} here and set that environment variable',
    });
  };
  return { value: walk(value, []), issues };
}

/**
 * Quotes bare `${NAME}` scalars (e.g. `secret: ${HOOK_SECRET}`), which YAML would otherwise read as a flow
 * mapping; quoted or embedded references are left alone.
 */
export function quoteBareReferences(text: string): string {
  return text.replace(/([:[{,-][ \t]*)(\$\{[A-Za-z_][A-Za-z0-9_]*\})(?=[ \t]*(?:[,}\]]|#|$))/gm, '$1"$2"');
}
