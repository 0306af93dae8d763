/**
 * The CLI dispatcher: parses arguments, runs a command, maps errors to one readable line and an exit code.
 * @module
 */

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs, parseEnv } from 'node:util';
import { runDemoCommand } from '../demo/index.js';
import type { LogLevel } from '../log.js';
import { audit, cases } from './cases.js';
import { doctor } from './doctor.js';
import { init, validate } from './init.js';
import { type CliIo, EXIT, exitCodeFor, formatError, UsageError } from './io.js';
import { apply, plan } from './plan.js';
import { reviews } from './reviews.js';
import { serve } from './serve.js';

/** The usage text. */
export const USAGE = `Usage: recovery-gate <command> [options]

Commands:
  init [--force]                          Write a commented starter recovery-gate.yaml
  validate                                Check the configuration (schema, policy, secret references)
  plan [--json] [--detailed-exitcode]     Show the guardrails each IdP needs (+ create, ~ update, - delete)
  apply [--auto-approve] [--remove-reset-roles]
                                          Apply the guardrails (asks for "yes" on a terminal); removing the
                                          help desk's built-in reset roles only with --remove-reset-roles
  doctor [--json]                         Read-only preflight per IdP: credential, permissions, events, hook URL, clock
  serve [--port n] [--log-level info]     Run the gate (hooks, pollers, pages)
  demo [--once] [--port n]                Three emulated IdPs, the gate and scripted recoveries
  cases list [--json] | cases show <id>   Read cases from the store
  audit verify | audit export [--out f]   Verify the audit chain, or export it as JSONL
  reviews list [--state open|closed] [--json] | reviews show <id> [--json]
                                          Post-event reviews: open (overdue first), closed, one in full
  reviews close <id> --by <reviewer> --outcome legitimate|misuse|needs_follow_up --note <text>
                                          Close a review (a reviewer-group member who took no part in the case)

Options:
  -c, --config <file>   Configuration file (default recovery-gate.yaml); secrets only as \${ENV} references
  --env-file <file>     Read KEY=value lines into the environment first (set variables win)
  --debug               Show stack traces on errors
  -h, --help            Show this help

Exit codes:
  0  ok (plan --detailed-exitcode: no changes)
  1  runtime failure (IdP, storage, audit chain does not verify, apply declined, a doctor check failed)
  2  usage error; plan --detailed-exitcode: drift (changes to apply, or a critical finding)
  3  configuration invalid (path and fix on one line)
  With --detailed-exitcode every error exits 1, so 2 always means changes.
`;

const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0-65535, not "${value}"`);
  return port;
}

/** `io` with the variables of an env file added; the environment already set wins, as with `node --env-file`. */
async function withEnvFile(io: CliIo, file: string): Promise<CliIo> {
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read --env-file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return { ...io, env: { ...parseEnv(text), ...io.env } };
}

async function dispatch(argv: readonly string[], givenIo: CliIo): Promise<number> {
  let io = givenIo;
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      'env-file': { type: 'string' },
      port: { type: 'string' },
      'log-level': { type: 'string' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
      'detailed-exitcode': { type: 'boolean' },
      'auto-approve': { type: 'boolean' },
      'remove-reset-roles': { type: 'boolean' },
      once: { type: 'boolean' },
      out: { type: 'string', short: 'o' },
      state: { type: 'string' },
      by: { type: 'string' },
      outcome: { type: 'string' },
      note: { type: 'string' },
      debug: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values['env-file'] !== undefined) io = await withEnvFile(io, values['env-file']);
  if (values.help === true || command === undefined || command === 'help') {
    io.stdout(USAGE);
    return command === undefined && values.help !== true ? EXIT.usage : EXIT.ok;
  }
  const takesArgs = command === 'cases' || command === 'audit' || command === 'reviews';
  if (rest.length > (takesArgs ? 2 : 0)) throw new UsageError(`unexpected argument "${rest.at(-1)}"`);
  const level = values['log-level'];
  if (level !== undefined && !LEVELS.has(level))
    throw new UsageError(`--log-level must be debug, info, warn or error`);
  switch (command) {
    case 'serve': {
      const port = parsePort(values.port);
      return serve(
        {
          ...(values.config === undefined ? {} : { config: values.config }),
          ...(port === undefined ? {} : { port }),
          ...(level === undefined ? {} : { logLevel: level as LogLevel }),
        },
        io,
      );
    }
    default:
      return dispatchMore(command, rest, values, io);
  }
}

type Values = {
  readonly config?: string | undefined;
  readonly port?: string | undefined;
  readonly force?: boolean | undefined;
  readonly json?: boolean | undefined;
  readonly 'detailed-exitcode'?: boolean | undefined;
  readonly 'auto-approve'?: boolean | undefined;
  readonly 'remove-reset-roles'?: boolean | undefined;
  readonly once?: boolean | undefined;
  readonly out?: string | undefined;
  readonly state?: string | undefined;
  readonly by?: string | undefined;
  readonly outcome?: string | undefined;
  readonly note?: string | undefined;
};

function dispatchMore(command: string, rest: readonly string[], values: Values, io: CliIo): Promise<number> {
  const config = values.config === undefined ? {} : { config: values.config };
  const json = values.json === true ? { json: true } : {};
  switch (command) {
    case 'init':
      return init({ ...config, force: values.force === true }, io);
    case 'validate':
      return validate(config, io);
    case 'plan':
      return plan({ ...config, ...json, detailedExitcode: values['detailed-exitcode'] === true }, io);
    case 'apply':
      return apply(
        {
          ...config,
          autoApprove: values['auto-approve'] === true,
          removeResetRoles: values['remove-reset-roles'] === true,
        },
        io,
      );
    case 'doctor':
      return doctor({ ...config, ...json }, io);
    case 'cases':
      return cases(rest[0], rest[1], { ...config, ...json }, io);
    case 'audit':
      if (rest.length > 1) throw new UsageError(`unexpected argument "${rest[1]}"`);
      return audit(rest[0], { ...config, ...(values.out === undefined ? {} : { out: values.out }) }, io);
    case 'reviews': {
      const { state, by, outcome, note } = values;
      const picked = Object.entries({ state, by, outcome, note }).filter(([, v]) => v !== undefined);
      return reviews(rest[0], rest[1], { ...config, ...json, ...Object.fromEntries(picked) }, io);
    }
    case 'demo': {
      const port = parsePort(values.port);
      return runDemoCommand({ once: values.once === true, ...(port === undefined ? {} : { port }) }, io);
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    return await dispatch(argv, io);
  } catch (error) {
    // parseArgs reports unknown options with a TypeError carrying an ERR_PARSE_ARGS_* code.
    const usage =
      typeof (error as { code?: unknown }).code === 'string' &&
      String((error as { code: string }).code).startsWith('ERR_PARSE_ARGS')
        ? new UsageError((error as Error).message)
        : error;
    io.stderr(formatError(usage, debug));
    // With --detailed-exitcode, 2 means "changes": every error must be 1 there, as terraform does.
    return argv.includes('--detailed-exitcode') ? EXIT.failure : exitCodeFor(usage);
  }
}
