import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type PageCollection, PageIterator } from '@microsoft/microsoft-graph-client';
import { createOpenApiValidator } from '@recovery-gate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { EmuAudit } from '../emulator/state.js';
import { startTestEnvironment } from '../testing/harness.js';
import { createCredential, createGraphClient, loopbackHttpClient } from './client/transport.js';

type Env = Awaited<ReturnType<typeof startTestEnvironment>>;
const open: Env[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((env) => env.close()));
});

async function start(options: Parameters<typeof startTestEnvironment>[0]): Promise<Env> {
  const env = await startTestEnvironment(options);
  open.push(env);
  return env;
}

/** The official Graph SDK on the emulator, as the adapter builds it. */
function sdkClient(env: Env) {
  const seams = { graphOrigin: env.emulator.url, httpClient: loopbackHttpClient(env.emulator.url) };
  const now = () => new Date(env.emulator.control.now());
  const retry = { maxRetries: 0, maxDelayMs: 0, sleep: async () => undefined, random: () => 0.5, now };
  return createGraphClient(env.config, createCredential(env.config, seams), seams, retry);
}

const specFile = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  '..',
  '..',
  'shared',
  'specs',
  'graph-v1.0-recovery-subset.yaml',
);
// Without ../shared/specs (a clone on its own) the paging is still checked; the conformance part says it skipped.
const present = existsSync(specFile);
const note = present ? '' : ` (conformance skipped: ${specFile} not found)`;

describe('synthetic directoryAudits (syntheticAudits)', () => {
  it('pre-fills records over the last day, in order, in rounds of group add, method delete, password reset', async () => {
    const now = Date.now();
    const env = await start({ seed: 'empty', syntheticUsers: 5, syntheticAudits: 11, now: () => now });
    const audits = env.emulator.control.tenant.audits;
    expect(audits).toHaveLength(11);
    expect(audits.slice(0, 4).map((a) => a.activityDisplayName)).toEqual([
      'Add member to group',
      'Admin deleted security info',
      'Admin started password reset',
      'Reset password (by admin)',
    ]);
    const times = audits.map((a) => Date.parse(a.activityDateTime));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBe(now - 24 * 3600_000);
    expect(times.at(-1)).toBeLessThan(now);
    const [add, del, started, reset] = audits as [EmuAudit, EmuAudit, EmuAudit, EmuAudit];
    // One password reset is two records under one correlation id, as Entra writes them.
    expect(started.correlationId).toBe(reset.correlationId);
    expect(del.correlationId).not.toBe(started.correlationId);
    const subject = add.targetResources[0];
    expect(subject?.type).toBe('User');
    expect(del.targetResources[0]?.id).toBe(subject?.id);
    expect(add.targetResources[1]).toMatchObject({ type: 'Group', displayName: 'Staff' });
    expect(del.resultReason).toBe('Admin deleted Microsoft Authenticator method for user');
    // An admin (another user) acts, never the subject, through the portal; no app-only records.
    expect(del.initiatedBy.user?.id).not.toBe(subject?.id);
    expect(del.initiatedBy.app).toBeUndefined();
    expect(new Set(audits.map((a) => a.id)).size).toBe(11);
  });

  it(`serves every record once through the official SDK, in pages of 999, and the pages conform${note}`, async () => {
    const env = await start({ syntheticUsers: 20, syntheticAudits: 2500 });
    const since = new Date(env.emulator.control.now() - 2 * 86_400_000).toISOString();
    const seeded = env.emulator.control.tenant.audits.filter((a) => a.activityDateTime >= since).length;
    expect(seeded).toBeGreaterThanOrEqual(2500);
    const client = sdkClient(env);
    const first = (await client
      .api('/auditLogs/directoryAudits')
      .filter(`activityDateTime ge ${since}`)
      .orderby('activityDateTime asc')
      .top(999)
      .get()) as PageCollection;
    const ids: string[] = [];
    const iterator = new PageIterator(client, first, (record: EmuAudit) => {
      ids.push(record.id);
      return true;
    });
    await iterator.iterate();
    expect(ids).toHaveLength(seeded);
    expect(new Set(ids).size).toBe(seeded);
    const pages = env.emulator.control.requests.filter((r) => r.path === '/auditLogs/directoryAudits');
    expect(pages).toHaveLength(Math.ceil(seeded / 999));
    if (!present) return;
    const validator = createOpenApiValidator(parse(readFileSync(specFile, 'utf8')), {
      unknownQuery: 'ignore',
    });
    for (const page of pages) {
      const result = validator.validateResponse({
        method: 'GET',
        path: `/v1.0${page.path}`,
        status: page.status,
        body: page.responseBody,
      });
      expect(result.problems).toEqual([]);
    }
  });

  it('reaches the adapter: one event per bypass operation, each once', async () => {
    const env = await start({ seed: 'empty', syntheticUsers: 10, syntheticAudits: 400 });
    const since = new Date(env.emulator.control.now() - 2 * 86_400_000).toISOString();
    const events = [];
    let cursor: string | null = null;
    for (;;) {
      const page = await env.adapter.readEvents('directory_audits', cursor, { since });
      events.push(...page.events);
      cursor = page.cursor;
      if (!page.more) break;
    }
    // 100 rounds: the group add is not a recovery, the method delete and the password reset (two records) are.
    expect(events).toHaveLength(200);
    expect(new Set(events.map((e) => e.id)).size).toBe(200);
    expect(events.filter((e) => e.kind === 'native_authenticator_reset')).toHaveLength(100);
    expect(events.filter((e) => e.kind === 'native_password_reset')).toHaveLength(100);
  });
});
