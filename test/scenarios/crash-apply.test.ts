/**
 * Issue 16 item 2, guardrails: `recovery-gate apply` killed with SIGKILL in the middle of its plan, on every
 * IdP. The CLI reaches the emulator through a fault proxy that holds each write for a moment, so the kill
 * lands while a write is in flight: the IdP still makes that change, and the dead process never learns it
 * did. Then `apply` runs again. The emulator is the oracle: the re-run finishes the plan (`plan` finds no
 * change left), and the tenant's state has the shape of a tenant applied once, cleanly: no object created
 * twice, none missing (counts per collection, however deep, compared with a clean apply on a fresh tenant).
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { IdpKind } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, until, writeGateConfig } from './process.js';
import { type ProcessTenant, startTenant } from './tenants.js';
import { IDPS } from './world.js';

const MAIN = resolve(import.meta.dirname, '..', '..', 'packages', 'gate', 'dist', 'src', 'cli', 'main.js');
const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'];
/** State that changes with every call (logs, tokens, sessions), not with what apply made. */
const VOLATILE =
  /log|event|audit|session|token|outbox|request|exchange|consent|failure|change|revocation|visible|delivery/i;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
}, 60_000);

/** How many items each collection holds, by path (map keys and array indexes folded), summed. */
function shape(value: unknown, path = '', out = new Map<string, number>(), depth = 0): Map<string, number> {
  if (depth > 8 || value === null || typeof value !== 'object') return out;
  if (value instanceof Map || value instanceof Set || Array.isArray(value)) {
    const items = value instanceof Map ? [...value.values()] : [...value];
    out.set(path, (out.get(path) ?? 0) + items.length);
    for (const item of items) shape(item, `${path}[]`, out, depth + 1);
    return out;
  }
  for (const [key, inner] of Object.entries(value)) {
    if (!VOLATILE.test(key)) shape(inner, `${path}.${key}`, out, depth + 1);
  }
  return out;
}

/**
 * Answers the IdPs' hook verification as the gate's hook endpoints do: Graph's subscription validation
 * (echoes `validationToken`) and Okta's one-time event hook verification (echoes the challenge header).
 */
async function validationEcho(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const token = new URL(req.url ?? '/', 'http://echo').searchParams.get('validationToken');
    const challenge = req.headers['x-okta-verification-challenge'];
    req.resume();
    if (typeof challenge === 'string') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ verification: challenge }));
      return;
    }
    res.writeHead(token === null ? 202 : 200, { 'content-type': 'text/plain' }).end(token ?? '');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** `recovery-gate <args>` against `tenant`; resolves with its exit code and output. */
function cli(tenant: ProcessTenant, file: string, args: readonly string[]) {
  const child: ChildProcess = spawn(process.execPath, [MAIN, ...args, '-c', file], {
    env: { PATH: process.env.PATH ?? '', ...tenant.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; out: string }>((done) =>
    child.once('exit', (code) => done({ code, out })),
  );
  return { child, exited };
}

const APPLY = ['apply', '--auto-approve', '--remove-reset-roles'];

/** A tenant before its first apply, with the CLI's configuration. */
async function freshTenant(idp: IdpKind): Promise<{ tenant: ProcessTenant; file: string }> {
  const echo = await validationEcho();
  closers.push(() => new Promise((done) => echo.server.close(() => done())));
  const tenant = await startTenant(idp, { guardrails: false, notifyTo: echo.url, hooksTo: echo.url });
  closers.push(() => tenant.close());
  const { file, dir } = await writeGateConfig(tenant, { dataDir: 'data' });
  closers.push(() => removeDir(dir));
  return { tenant, file };
}

const writesSeen = (tenant: ProcessTenant) =>
  tenant.proxy.requests.filter((r) => WRITES.includes(r.method)).length;

describe.each(IDPS)('guardrails apply killed with SIGKILL on %s', (idp) => {
  it('the re-run finishes the plan with nothing twice and nothing half-done', {
    timeout: 600_000,
  }, async () => {
    // The reference: a fresh tenant applied once, cleanly; how many writes the plan takes.
    const reference = await freshTenant(idp);
    const clean = await cli(reference.tenant, reference.file, APPLY).exited;
    expect(clean.code, clean.out).toBe(0);
    const writes = writesSeen(reference.tenant);
    expect(writes).toBeGreaterThan(1);
    const expected = shape(reference.tenant.state());

    // Killed while the first write, one in the middle and the last are in flight.
    for (const at of new Set([1, Math.ceil(writes / 2), writes])) {
      const { tenant, file } = await freshTenant(idp);
      for (const method of WRITES) tenant.proxy.fail({ method, path: /./, delayMs: 300 });
      const killed = cli(tenant, file, APPLY);
      await until(() => writesSeen(tenant) >= at, 120_000, `write ${at} of ${writes} to be sent`);
      killed.child.kill('SIGKILL');
      const dead = await killed.exited;
      expect(dead.code).toBeNull();
      // Wait for the write in flight to reach the IdP (the proxy forwards it after its delay).
      await until(
        () => tenant.proxy.requests.every((r) => !WRITES.includes(r.method) || r.answeredAt !== undefined),
        30_000,
        'the write in flight to land',
      );
      tenant.proxy.heal();
      const rerun = await cli(tenant, file, APPLY).exited;
      expect(rerun.code, `${rerun.out}\n(killed at write ${at}:)\n${dead.out}`).toBe(0);
      const plan = await cli(tenant, file, ['plan', '--detailed-exitcode']).exited;
      expect(plan.code, plan.out).toBe(0);
      expect(Object.fromEntries(shape(tenant.state()))).toEqual(Object.fromEntries(expected));
    }
  });
});
