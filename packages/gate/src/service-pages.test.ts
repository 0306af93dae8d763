import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselinePolicyInput, type IdpKind, type RecoveryProvider } from '@recovery-gate/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import * as z from 'zod';
import { loadConfig } from './config/index.js';
import { createLogger } from './log.js';
import { createGate } from './service.js';
import { createTestProvider } from './testing/provider.js';
import { prepareEmbeddedTemplate, seedEmbeddedDir } from './testing/stores.js';

const SECRET = 'service-hook-secret';
const SESSION_SECRET = 'a-session-secret-of-at-least-32-characters';
beforeAll(() => prepareEmbeddedTemplate(), 180_000);

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

const PAGES = `pages:
  sessionSecret: \${PAGES_SESSION_SECRET}
  gateName: Acme Account Recovery
  signIn:
    okta: { issuer: 'https://acme.okta.example/oauth2/default', clientId: pages-client }
  viewer: { idp: okta }
`;

async function startGate(pages: string) {
  const dir = await mkdtemp(join(tmpdir(), 'gate-pages-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  await seedEmbeddedDir(join(dir, 'data'));
  const text = `${stringify(baselinePolicyInput)}\nproviders:\n  okta: { orgUrl: https://acme.okta.example }\nstorage: { dataDir: data }\npollers: { interval: 1h, tick: 1h }\n${pages}`;
  const config = await loadConfig(
    text,
    { PAGES_SESSION_SECRET: SESSION_SECRET },
    {
      adapters: {
        okta: {
          configSchema: z.strictObject({ orgUrl: z.url() }),
          createProvider: () => createTestProvider('okta', SECRET),
        },
      },
    },
  );
  const logs: string[] = [];
  const gate = createGate({
    config,
    env: {},
    baseDir: dir,
    port: 0,
    providers: new Map<IdpKind, RecoveryProvider>([['okta', createTestProvider('okta', SECRET)]]),
    logger: createLogger({ write: (l) => logs.push(l) }),
  });
  await gate.start();
  cleanup.push(() => gate.stop());
  return { gate, logs };
}

describe('createGate with pages', () => {
  it('serves the pages named in the `pages:` section, as HTML with security headers', async () => {
    const { gate, logs } = await startGate(PAGES);
    const refused = await fetch(`${gate.url}/cancel/not-a-real-link-token`, { redirect: 'manual' });
    expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
    expect(refused.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(refused.headers.get('x-frame-options')).toBe('DENY');
    expect(refused.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await refused.text();
    expect(html.toLowerCase()).toContain('<!doctype html>');
    expect(html).toContain('Acme Account Recovery');
    // The case view asks for a sign-in (a redirect or a sign-in page), never a 404.
    const cases = await fetch(`${gate.url}/cases`, { redirect: 'manual' });
    expect(cases.status).not.toBe(404);
    await cases.body?.cancel();
    // The session secret stays out of logs.
    expect(logs.join('\n')).not.toContain(SESSION_SECRET);
  });

  it('without `pages:` starts as before and serves no page routes', async () => {
    const { gate } = await startGate('');
    const response = await fetch(`${gate.url}/cancel/not-a-real-link-token`, { redirect: 'manual' });
    expect(response.status).toBe(404);
    await response.body?.cancel();
    const health = await fetch(`${gate.url}/healthz`);
    expect(health.status).toBe(200);
    await health.body?.cancel();
  });
});
