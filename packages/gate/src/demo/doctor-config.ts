/**
 * A configuration naming the demo's emulated tenants, so `recovery-gate doctor` (or `plan`) can be run
 * against them from a clone while the demo runs: the starter policy with a `providers:` section of
 * `${ENV}` references, and an env file (mode 0600) holding the values, emulator-only credentials included.
 * @module
 */

import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STARTER_CONFIG } from '../cli/starter.js';
import type { DemoTenant } from './tenants.js';

/** The files written and the command that uses them. */
export interface DoctorConfig {
  readonly config: string;
  readonly envFile: string;
  /** `npx recovery-gate doctor --config <config> --env-file <envFile>`. */
  readonly command: string;
}

type Emu = Record<string, unknown>;

/** A `${NAME}` reference as the configuration writes it. */
const ref = (name: string): string => `\${${name}}`;

const text = (value: unknown, what: string): string => {
  if (typeof value !== 'string' || value === '') throw new Error(`the demo's emulator exposes no ${what}`);
  return value;
};

async function section(tenant: DemoTenant, env: Record<string, string>): Promise<string> {
  const emu = (tenant.emulator ?? {}) as Emu;
  switch (tenant.idp) {
    case 'okta':
      env.OKTA_ORG_URL = text(emu.url, 'Okta URL');
      env.OKTA_API_TOKEN = text(emu.apiToken, 'Okta API token');
      return `  okta:\n    orgUrl: ${ref('OKTA_ORG_URL')}\n    auth: { token: ${ref('OKTA_API_TOKEN')} }\n`;
    case 'entra': {
      const app = (emu.gateApp ?? {}) as Emu;
      env.ENTRA_TENANT_ID = text(emu.tenantId, 'Entra tenant id');
      env.ENTRA_CLIENT_ID = text(app.clientId, 'Entra client id');
      env.ENTRA_CLIENT_SECRET = text(app.clientSecret, 'Entra client secret');
      env.ENTRA_AUTHORITY_HOST = text(((emu.oidc ?? {}) as Emu).authorityHost, 'Entra authority host');
      // The emulated tenant is reached through the CLI's loopback seam (never set it for a real tenant).
      env.RECOVERY_GATE_ENTRA_LOOPBACK = text(emu.url, 'Entra URL');
      return [
        '  entra:',
        `    tenantId: ${ref('ENTRA_TENANT_ID')}`,
        `    auth: { clientId: ${ref('ENTRA_CLIENT_ID')}, clientSecret: ${ref('ENTRA_CLIENT_SECRET')} }`,
        `    authorityHost: ${ref('ENTRA_AUTHORITY_HOST')}\n`,
      ].join('\n');
    }
    default: {
      const { GATE_CLIENT_ID, GATE_CLIENT_SECRET } = (await import('@recovery-gate/keycloak/emulator')) as {
        GATE_CLIENT_ID: string;
        GATE_CLIENT_SECRET: string;
      };
      env.KEYCLOAK_URL = text(emu.url, 'Keycloak URL');
      env.KEYCLOAK_REALM = text(emu.realmName, 'Keycloak realm');
      env.KEYCLOAK_CLIENT_ID = GATE_CLIENT_ID;
      env.KEYCLOAK_CLIENT_SECRET = GATE_CLIENT_SECRET;
      return [
        '  keycloak:',
        `    baseUrl: ${ref('KEYCLOAK_URL')}`,
        `    realm: ${ref('KEYCLOAK_REALM')}`,
        `    auth: { clientId: ${ref('KEYCLOAK_CLIENT_ID')}, clientSecret: ${ref('KEYCLOAK_CLIENT_SECRET')} }\n`,
      ].join('\n');
    }
  }
}

/** Writes `recovery-gate.yaml` and `demo.env` for the running tenants into `dir`. */
export async function writeDoctorConfig(dir: string, tenants: readonly DemoTenant[]): Promise<DoctorConfig> {
  const env: Record<string, string> = {};
  let providers = 'providers:\n';
  for (const tenant of tenants) providers += await section(tenant, env);
  const policy = STARTER_CONFIG.slice(0, STARTER_CONFIG.indexOf('\nproviders:') + 1);
  const config = join(dir, 'recovery-gate.yaml');
  const envFile = join(dir, 'demo.env');
  await writeFile(config, `${policy}${providers}\nstorage: {}\n`, 'utf8');
  await writeFile(
    envFile,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
    { encoding: 'utf8', mode: 0o600 },
  );
  await chmod(envFile, 0o600);
  return { config, envFile, command: `npx recovery-gate doctor --config ${config} --env-file ${envFile}` };
}
