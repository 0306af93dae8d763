import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../cli/io.js';
import { runCli } from '../cli/run.js';
import { writeDoctorConfig } from './doctor-config.js';
import { type DemoTenant, startTenant } from './tenants.js';

let dir: string;
const tenants: DemoTenant[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'demo-doctor-'));
  for (const idp of ['okta', 'entra', 'keycloak'] as const) tenants.push(await startTenant(idp));
}, 120_000);
afterAll(async () => {
  for (const t of tenants) await t.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in-process with an empty environment (the env file must supply everything). */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: {},
    cwd: dir,
    untilStopped: () => new Promise(() => {}),
  };
  const code = await runCli(args, io);
  return { code, out: out.join(''), err: err.join('') };
}

describe("the demo's doctor configuration", () => {
  it('lets `doctor --config <file> --env-file <file>` check the three running tenants and pass', async () => {
    const files = await writeDoctorConfig(dir, tenants);
    expect(files.command).toBe(
      `npx recovery-gate doctor --config ${files.config} --env-file ${files.envFile}`,
    );
    // The env file holds the emulator-only credentials: readable by the user alone; the config only references.
    expect((await stat(files.envFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(files.config, 'utf8')).not.toMatch(/emulator-gate-secret|emulator-only/);
    const run = await cli(['doctor', '--config', files.config, '--env-file', files.envFile]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    for (const idp of ['okta', 'entra', 'keycloak']) {
      expect(run.out).toMatch(new RegExp(`^${idp} +ok {4}credential: `, 'm'));
      expect(run.out).toMatch(new RegExp(`^${idp} +ok {4}events: `, 'm'));
    }
    expect(run.out).toMatch(/^doctor: \d+ checks, none failed/m);
  }, 120_000);

  it('without the env file the references are unresolved, and a missing env file is a usage error', async () => {
    const files = await writeDoctorConfig(dir, tenants);
    const bare = await cli(['doctor', '--config', files.config]);
    expect(bare.code).toBe(3);
    expect(bare.err).toMatch(/OKTA_ORG_URL is not set/);
    const missing = await cli(['doctor', '--config', files.config, '--env-file', `${files.envFile}.nope`]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read --env-file .*\.nope \(ENOENT\)/);
  });
});
