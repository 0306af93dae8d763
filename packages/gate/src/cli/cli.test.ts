import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselinePolicyInput } from '@recovery-gate/core';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import * as z from 'zod';
import { createTestProvider } from '../testing/provider.js';
import { prepareEmbeddedTemplate, seedEmbeddedDir } from '../testing/stores.js';
import { type CliIo, runCli, serve } from './main.js';

beforeAll(() => prepareEmbeddedTemplate(), 180_000);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gate-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  let stop!: (signal: string) => void;
  const stopped = new Promise<string>((resolve) => {
    stop = resolve;
  });
  const value: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env,
    cwd: dir,
    untilStopped: () => stopped,
  };
  return { io: value, out, err, stop };
}

const policy = stringify(baselinePolicyInput);

describe('recovery-gate CLI', () => {
  it('exits 2 with one line on a usage error', async () => {
    const t = io();
    expect(await runCli(['frobnicate'], t.io)).toBe(2);
    expect(t.err.join('')).toMatch(/^error \[usage\]: unknown command "frobnicate"\n/);
    expect(await runCli(['serve', '--bogus'], t.io)).toBe(2);
    expect(await runCli(['serve', '--port', 'abc'], t.io)).toBe(2);
    expect(await runCli([], t.io)).toBe(2);
    expect(await runCli(['--help'], t.io)).toBe(0);
    expect(t.out.join('')).toContain('Exit codes');
  });

  it('exits 3 naming the path of an inline secret, without the secret or a stack trace', async () => {
    await writeFile(
      join(dir, 'recovery-gate.yaml'),
      `${policy}\nproviders:\n  okta: { apiToken: ssws-inline-999 }\n`,
    );
    const t = io();
    expect(await runCli(['serve'], t.io)).toBe(3);
    const text = t.err.join('');
    expect(text).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
      'error [ERR_CONFIG_INLINE_SECRET]: providers.okta.apiToken: a secret is written inline; write ${ENV_NAME} here and set that environment variable\n',
    );
    expect(text).not.toContain('ssws-inline-999');
  });

  it('exits 3 when the config file is missing', async () => {
    const t = io();
    expect(await runCli(['serve', '--config', 'nope.yaml'], t.io)).toBe(3);
    expect(t.err.join('')).toMatch(/^error \[ERR_CONFIG_INVALID\]: cannot read .*nope\.yaml \(ENOENT\)/);
  });

  it('serves until SIGTERM, printing the URL, then stops cleanly with 0', async () => {
    await writeFile(
      join(dir, 'gate.yaml'),
      `${policy}\nproviders:\n  okta: { orgUrl: https://acme.okta.example }\nstorage: { dataDir: state }\nserver: { port: 0 }\n`,
    );
    await seedEmbeddedDir(join(dir, 'state'));
    const t = io();
    const adapters = {
      okta: {
        configSchema: z.strictObject({ orgUrl: z.url() }),
        createProvider: () => createTestProvider('okta', 'x-secret'),
      },
    };
    const running = serve({ config: 'gate.yaml', logLevel: 'warn' }, t.io, { adapters });
    await vi.waitFor(() => expect(t.out.join('')).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/), {
      timeout: 20_000,
    });
    const url = /listening on (\S+)/.exec(t.out.join(''))?.[1] ?? '';
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    t.stop('SIGTERM');
    expect(await running).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
