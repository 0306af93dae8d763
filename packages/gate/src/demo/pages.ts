/**
 * The gate's pages in the demo: sign-in through each emulator's own OIDC server.
 * @module
 */

import { randomBytes } from 'node:crypto';
import type { IdpKind } from '@recovery-gate/core';
import { gateConfigSchema, loadAdapters } from '../config/index.js';
import type { Gate } from '../service.js';
import type { DemoTenant } from './tenants.js';

/** The pages' own OIDC client on each emulator (re-registering the emulator's test client would drop the grants its probes use). */
const PAGES_CLIENT = 'recovery-gate-pages';
const CALLBACK = '/oidc/callback';

interface Parser {
  safeParse(value: unknown): { readonly success: boolean; readonly data?: unknown };
}

/**
 * The parsed `pages:` section for the demo, or null when this build's schema has none (the pages are then
 * not served and the demo drives the case API they call).
 */
export async function demoPagesSection(tenants: readonly DemoTenant[]): Promise<unknown> {
  const schema = gateConfigSchema(await loadAdapters()) as unknown as { shape?: Record<string, Parser> };
  const pages = schema.shape?.pages;
  if (pages === undefined) return null;
  const signIn: Partial<Record<IdpKind, { issuer: string; clientId: string }>> = {};
  for (const t of tenants) {
    if (t.oidc !== null) signIn[t.idp] = { issuer: t.oidc.issuer, clientId: PAGES_CLIENT };
  }
  const parsed = pages.safeParse({
    sessionSecret: randomBytes(32).toString('base64url'),
    signIn,
    viewer: { idp: 'okta' },
  });
  return parsed.success && parsed.data !== undefined ? parsed.data : null;
}

/** Registers the pages' callback on each emulator's OIDC server (the gate's URL is known only now). */
export async function registerPagesClients(gate: Gate, tenants: readonly DemoTenant[]): Promise<void> {
  for (const t of tenants) {
    if (t.oidc === null) continue;
    await t.oidc.server.registerClient({
      client_id: PAGES_CLIENT,
      redirect_uris: [`${gate.url}${CALLBACK}`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
  }
}
