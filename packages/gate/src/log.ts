/**
 * A JSON-lines logger to stderr that redacts secrets by core's one rule: Secret values, and secret values
 * under a key named like a secret.
 * @module
 */

import { isSecret, isSecretKey, isSecretValue } from '@recovery-gate/core';
import type { Logger } from './types.js';

/** Log levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const REDACTED = '[redacted]';

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** The lowest level written. @default 'info' */
  readonly level?: LogLevel;
  /** Where lines go. @default process.stderr */
  readonly write?: (line: string) => void;
  readonly now?: () => Date;
  /** Fields added to every line (e.g. component). */
  readonly base?: Readonly<Record<string, unknown>>;
}

/** Replaces secrets in a value, recursively; bounded depth so a cycle cannot hang the logger. */
export function redact(value: unknown, depth = 0): unknown {
  if (isSecret(value)) return REDACTED;
  if (value instanceof Error) return { name: value.name, message: value.message, code: codeOf(value) };
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 6) return '[deep]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    // The audit chain's rule: a secret value under a secret key is hidden; objects are judged key by key.
    out[key] = isSecretKey(key) && isSecretValue(v) ? REDACTED : redact(v, depth + 1);
  }
  return out;
}

function codeOf(error: Error): unknown {
  return (error as { code?: unknown }).code;
}

/** Creates a logger writing one JSON object per line. */
export function createLogger(
  options: LoggerOptions = {},
): Logger & { child(fields: Record<string, unknown>): Logger } {
  const min = LEVELS.indexOf(options.level ?? 'info');
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const base = options.base ?? {};
  const log = (level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void => {
    if (LEVELS.indexOf(level) < min) return;
    const record = redact({ ...base, ...fields }) as Record<string, unknown>;
    write(`${JSON.stringify({ time: now().toISOString(), level, msg: message, ...record })}\n`);
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Masks an email address or phone number for logs: `j***@e***.com`, `+*******1234`. */
export function maskAddress(address: string): string {
  const at = address.indexOf('@');
  if (at > 0) {
    const domain = address.slice(at + 1);
    const dot = domain.lastIndexOf('.');
    const host = dot > 0 ? domain.slice(0, dot) : domain;
    const tld = dot > 0 ? domain.slice(dot) : '';
    return `${address[0]}***@${host[0] ?? ''}***${tld}`;
  }
  const digits = address.replace(/[^0-9]/g, '');
  return `${address.startsWith('+') ? '+' : ''}${'*'.repeat(Math.max(0, digits.length - 4))}${digits.slice(-4)}`;
}
