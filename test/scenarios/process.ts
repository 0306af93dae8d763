/**
 * The gate as a separate process: `node packages/gate/dist/src/cli/main.js serve` on a temporary
 * recovery-gate.yaml, against an Okta emulator started in the test process, so a test can SIGKILL it.
 * @module
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { baselinePolicy, baselinePolicyInput, type RecoveryProvider } from '@recovery-gate/core';
import {
  createAuditLog,
  createMetrics,
  createOrchestrator,
  type Store,
  silentLogger,
} from '@recovery-gate/gate';
import {
  HARNESS_HOOK_SECRET,
  type OktaTestEnvironment,
  startTestEnvironment,
} from '@recovery-gate/okta/testing';
import { stringify } from 'yaml';
import type { ProcessTenant } from './tenants.js';

const MAIN = resolve(import.meta.dirname, '..', '..', 'packages', 'gate', 'dist', 'src', 'cli', 'main.js');

/** Where a gate process keeps its state. */
export type ProcessStorage =
  | { readonly dataDir: string }
  | { readonly databaseUrl: string; readonly schema: string };

/** One running gate process. */
export interface GateProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process wrote to stderr (its log). */
  readonly log: () => string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** An Okta emulator with guardrails applied (request groups, status attribute), as a deployed gate has. */
export async function startOkta(): Promise<OktaTestEnvironment> {
  const env = await startTestEnvironment({ hook: false });
  await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
  return env;
}

/** What a gate process is pointed at: the Okta test environment, or any {@link ProcessTenant}. */
export type GateTarget = OktaTestEnvironment | ProcessTenant;

/** The provider section and process environment for `target`. */
function targetOf(target: GateTarget): {
  idp: string;
  section: Record<string, unknown>;
  env: Readonly<Record<string, string>>;
} {
  if ('section' in target) return target;
  return {
    idp: 'okta',
    section: {
      orgUrl: target.emulator.url,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
      auth: { token: '${OKTA_TOKEN}' },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
      hook: { url: 'http://127.0.0.1:1/hooks/okta', secret: '${OKTA_HOOK_SECRET}' },
    },
    env: { OKTA_TOKEN: target.emulator.apiToken, OKTA_HOOK_SECRET: HARNESS_HOOK_SECRET },
  };
}

/** Writes the gate's configuration for `target` and `storage` into a fresh directory; returns the file. */
export async function writeGateConfig(
  target: GateTarget,
  storage: ProcessStorage,
  pollers: { interval: string; tick: string } = { interval: '1h', tick: '1s' },
): Promise<{ file: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'gate-process-'));
  const { idp, section } = targetOf(target);
  const config = {
    ...baselinePolicyInput,
    providers: { [idp]: section },
    storage:
      'dataDir' in storage
        ? { dataDir: storage.dataDir }
        : // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
          { databaseUrl: '${GATE_DATABASE_URL}', schema: storage.schema },
    server: { port: 0 },
    pollers,
  };
  const file = join(dir, 'recovery-gate.yaml');
  await writeFile(file, stringify(config));
  return { file, dir };
}

/**
 * Starts `recovery-gate serve --config <file>`; resolves once it listens (fails after `startTimeoutMs`,
 * default 60 s; a busy machine may need more).
 */
export async function startGateProcess(
  file: string,
  target: GateTarget,
  databaseUrl = '',
  startTimeoutMs = 60_000,
): Promise<GateProcess> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--config', file], {
    env: { PATH: process.env.PATH ?? '', ...targetOf(target).env, GATE_DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`gate did not start in ${startTimeoutMs / 1000}s:\n${err}`)),
      startTimeoutMs,
    );
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const found = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (found?.[1]) {
        clearTimeout(timer);
        ok(found[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`gate exited with ${code} before listening:\n${err}`));
    });
  });
  return {
    url,
    child,
    log: () => err,
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

/** The Okta event hook body for one request-group membership event (`uuid` is the idempotency key). */
export function requestHookBody(
  okta: Pick<OktaTestEnvironment, 'emulator'>,
  uuid: string,
  subject: string,
): string {
  const { control } = okta.emulator;
  const user = control.state.users.get(control.userId(`${subject}@example.com`));
  const frank = control.state.users.get(control.userId('frank@example.com'));
  const event = {
    uuid,
    published: new Date(control.now()).toISOString(),
    eventType: 'group.user_membership.add',
    version: '0',
    displayMessage: 'Add user to group membership',
    severity: 'INFO',
    actor: { id: frank?.id, type: 'User', alternateId: 'frank@example.com', displayName: 'Frank Fischer' },
    outcome: { result: 'SUCCESS', reason: null },
    target: [
      { id: user?.id, type: 'User', alternateId: `${subject}@example.com`, displayName: subject },
      {
        id: '00gRequestGroup00001',
        type: 'UserGroup',
        alternateId: 'unknown',
        displayName: 'recovery-request-mfa_reset',
      },
    ],
  };
  return JSON.stringify({
    eventType: 'com.okta.event_hook',
    eventTypeVersion: '1.0',
    cloudEventsVersion: '0.1',
    source: `${okta.emulator.url}/api/v1/eventHooks/crash`,
    eventId: randomUUID(),
    eventTime: event.published,
    contentType: 'application/json',
    data: { events: [event] },
  });
}

/** Delivers a hook as Okta would; true when the gate acknowledged it (2xx), false on refusal or a dead gate. */
export async function deliver(url: string, body: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/hooks/okta`, {
      method: 'POST',
      headers: { authorization: HARNESS_HOOK_SECRET, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** Polls `check` until it is true or `ms` pass. */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Removes a directory (best effort). */
export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true });

/** The case engine in this test process, on `store`, with `provider` (it records proofs, as the pages would). */
export function engineOn(store: Store, provider: RecoveryProvider) {
  return createOrchestrator(
    {
      store,
      providers: new Map([[provider.idp, provider]]),
      policy: baselinePolicy,
      audit: createAuditLog(store, () => new Date()),
      notifier: { send: async () => undefined },
      metrics: createMetrics(),
      logger: silentLogger,
      now: () => new Date(),
      baseUrl: 'https://gate.test',
    },
    { retryBaseMs: 1000 },
  );
}

/** Live (unused, unexpired) temporary access codes of a user in the Okta emulator. */
export function liveTacs(okta: OktaTestEnvironment, user: string): number {
  const { state } = okta.emulator.control;
  const now = okta.emulator.control.now();
  return [...state.enrollments.values()].filter(
    (e) =>
      e.userId === user && e.key === 'tac' && e.tac !== undefined && !e.tac.used && e.tac.expiresAt > now,
  ).length;
}

/** Whether the Okta emulator still honours `refreshToken` (false once sessions and tokens are revoked). */
export async function refreshTokenWorks(okta: OktaTestEnvironment, refreshToken: string): Promise<boolean> {
  const response = await fetch(okta.emulator.oidc.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: okta.emulator.oidc.clientId,
    }),
  });
  await response.arrayBuffer();
  return response.status === 200;
}
