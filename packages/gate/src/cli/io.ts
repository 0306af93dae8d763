/**
 * What a CLI command touches of the world, passed in so tests run commands in-process.
 * @module
 */

import { isGateError } from '@recovery-gate/core';

/** The CLI's view of the world. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Resolves with the signal name when the process is asked to stop (SIGTERM / SIGINT). */
  readonly untilStopped: () => Promise<string>;
  /** True when stdin is an interactive terminal (confirmation prompts). @default false */
  readonly interactive?: boolean;
  /** Asks a question on the terminal and resolves with the answer line. */
  readonly prompt?: (question: string) => Promise<string>;
}

/** Exit codes. */
export const EXIT = { ok: 0, failure: 1, usage: 2, config: 3 } as const;

/** A usage error: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The process's own io. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    interactive: process.stdin.isTTY === true,
    prompt: async (question) => {
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
    untilStopped: () =>
      new Promise((resolve) => {
        const on = (signal: NodeJS.Signals) => () => {
          process.off('SIGTERM', term);
          process.off('SIGINT', int);
          resolve(signal);
        };
        const term = on('SIGTERM');
        const int = on('SIGINT');
        process.once('SIGTERM', term);
        process.once('SIGINT', int);
      }),
  };
}

/** The exit code for an error: 3 for configuration problems, 2 for usage, 1 otherwise. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (isGateError(error) && (error.code.startsWith('ERR_CONFIG_') || error.code.startsWith('ERR_POLICY_'))) {
    return EXIT.config;
  }
  return EXIT.failure;
}

/** One readable line per problem (`error [CODE] ...`), the stack only with --debug. */
export function formatError(error: unknown, debug: boolean): string {
  const code = isGateError(error) ? error.code : error instanceof UsageError ? 'usage' : null;
  const message = error instanceof Error ? error.message : String(error);
  const lines = message.split('\n').map((line) => `error${code === null ? '' : ` [${code}]`}: ${line}`);
  if (error instanceof UsageError) lines.push('Run `recovery-gate --help` for usage.');
  if (debug && error instanceof Error && error.stack !== undefined) lines.push(error.stack);
  return `${lines.join('\n')}\n`;
}
