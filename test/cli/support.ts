/**
 * Runs the built `recovery-gate` binary as a user would (node on dist/src/cli/main.js, a temp cwd, an
 * explicit environment), and starts the three emulated tenants with a config that points at them through
 * environment variables.
 * @module
 */

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built CLI. */
export const MAIN = join(ROOT, 'packages', 'gate', 'dist', 'src', 'cli', 'main.js');

/** What a run of the binary gave. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `recovery-gate <args>` in `cwd` with only `env` (plus PATH), and `input` on stdin. */
export function runCli(
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>> = {},
  timeoutMs = 120_000,
): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** A temporary working directory. */
export async function tempDir(): Promise<{
  dir: string;
  write(name: string, text: string): Promise<string>;
  remove(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'recovery-gate-cli-'));
  return {
    dir,
    async write(name, text) {
      const file = join(dir, name);
      await writeFile(file, text, 'utf8');
      return file;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The three emulated tenants and the environment a config references them through. */
export interface Tenants {
  readonly env: Readonly<Record<string, string>>;
  /** A config section `providers:` naming all three through `${ENV}` references. */
  readonly providersYaml: string;
  /** A `providers:` section naming only one IdP. */
  only(idp: 'okta' | 'entra' | 'keycloak'): string;
  /** The running emulators, for tests that change a tenant behind the CLI's back. */
  readonly emulators: {
    readonly okta: import('@recovery-gate/okta/emulator').Emulator;
    readonly entra: import('@recovery-gate/entra/emulator').Emulator;
    readonly keycloak: import('@recovery-gate/keycloak/emulator').Emulator;
  };
  close(): Promise<void>;
}

/** Starts the Okta, Entra and Keycloak emulators (seeded, guardrails not applied). */
export async function startTenants(): Promise<Tenants> {
  const okta = await import('@recovery-gate/okta/emulator');
  const entra = await import('@recovery-gate/entra/emulator');
  const keycloak = await import('@recovery-gate/keycloak/emulator');
  const o = await okta.startEmulator();
  const e = await entra.startEmulator();
  const k = await keycloak.startEmulator();
  const env = {
    OKTA_ORG_URL: o.url,
    OKTA_API_TOKEN: o.apiToken,
    ENTRA_TENANT_ID: e.tenantId,
    ENTRA_CLIENT_ID: e.gateApp.clientId,
    ENTRA_CLIENT_SECRET: e.gateApp.clientSecret,
    ENTRA_AUTHORITY_HOST: e.oidc.authorityHost,
    RECOVERY_GATE_ENTRA_LOOPBACK: e.url,
    KEYCLOAK_URL: k.url,
    KEYCLOAK_REALM: k.realmName,
    KEYCLOAK_CLIENT_ID: keycloak.GATE_CLIENT_ID,
    KEYCLOAK_CLIENT_SECRET: keycloak.GATE_CLIENT_SECRET,
  };
  const providersYaml = `providers:
  okta:
    orgUrl: \${OKTA_ORG_URL}
    auth: { token: \${OKTA_API_TOKEN} }
  entra:
    tenantId: \${ENTRA_TENANT_ID}
    auth: { clientId: \${ENTRA_CLIENT_ID}, clientSecret: \${ENTRA_CLIENT_SECRET} }
    authorityHost: \${ENTRA_AUTHORITY_HOST}
  keycloak:
    baseUrl: \${KEYCLOAK_URL}
    realm: \${KEYCLOAK_REALM}
    auth: { clientId: \${KEYCLOAK_CLIENT_ID}, clientSecret: \${KEYCLOAK_CLIENT_SECRET} }
`;
  const sections = providersYaml.split(/\n(?= {2}\w)/).slice(1);
  return {
    env,
    providersYaml,
    only: (idp) => `providers:\n${sections.find((x) => x.startsWith(`  ${idp}:`)) ?? ''}\n`,
    emulators: { okta: o, entra: e, keycloak: k },
    async close() {
      await Promise.allSettled([o.close(), e.close(), k.close()]);
    },
  };
}

/** The policy part of a starter config with `providersYaml` and `tail` (storage, server) instead of its own. */
export function withProviders(config: string, providersYaml: string, tail = 'storage: {}\n'): string {
  return `${config.slice(0, config.indexOf('\nproviders:') + 1)}${providersYaml}${tail}`;
}
