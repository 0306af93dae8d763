import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselinePolicy, baselinePolicyInput } from '@recovery-gate/core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createAuditLog } from '../audit/index.js';
import { seedCase } from '../console/seed.test-helper.js';
import { orchestratorMigrations } from '../orchestrator/index.js';
import { sweepReviews } from '../reviews/index.js';
import { GATE_MIGRATIONS, openStore } from '../store/index.js';
import { prepareEmbeddedTemplate, seedEmbeddedDir } from '../testing/stores.js';
import { type CliIo, runCli } from './main.js';

beforeAll(() => prepareEmbeddedTemplate(), 180_000);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gate-cli-reviews-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: { OKTA_TOKEN: 'test-token-not-used' },
    cwd: dir,
    untilStopped: () => new Promise(() => undefined),
  };
  return { io: value, out, err };
}

/** A store with one finished privileged case and its review, and a config that names it. */
async function seeded(): Promise<string> {
  await writeFile(
    join(dir, 'recovery-gate.yaml'),
    `${stringify(baselinePolicyInput)}\nproviders:\n  okta: { orgUrl: 'https://acme.okta.example', auth: { token: '\${OKTA_TOKEN}' } }\nstorage: { dataDir: state }\n`,
  );
  await seedEmbeddedDir(join(dir, 'state'));
  const store = await openStore({ dataDir: join(dir, 'state') });
  try {
    await store.migrate([...GATE_MIGRATIONS, ...orchestratorMigrations]);
    const now = () => new Date();
    const caseId = await seedCase(store, now(), {
      idp: 'okta',
      subject: 'u-carol',
      login: 'carol@example.com',
      tier: 'T4',
      state: 'completed',
      minutes: 30,
      hoursAgo: 2,
    });
    await sweepReviews(
      { store, audit: createAuditLog(store, now), notifier: { send: async () => undefined }, now },
      { reviewerGroups: ['SecurityTeam'], dueSeconds: 3600, remindSeconds: 3600 },
      baselinePolicy,
    );
    return caseId;
  } finally {
    await store.close();
  }
}

describe('recovery-gate reviews', { timeout: 120_000 }, () => {
  it('lists and shows reviews; close needs its reviewer, outcome and note; an unknown review is named', async () => {
    const caseId = await seeded();
    const list = io();
    expect(await runCli(['reviews', 'list', '--json'], list.io), list.err.join('')).toBe(0);
    const [review] = JSON.parse(list.out.join('')) as {
      id: string;
      caseId: string;
      kind: string;
      state: string;
    }[];
    expect(review).toMatchObject({ caseId, kind: 'review_required', state: 'open' });
    const text = io();
    expect(await runCli(['reviews', 'list', '--state', 'open'], text.io)).toBe(0);
    expect(text.out.join('')).toMatch(
      new RegExp(`^${review?.id}\\s+review_required\\s+okta\\s+carol@example.com`, 'm'),
    );
    const show = io();
    expect(await runCli(['reviews', 'show', review?.id ?? ''], show.io)).toBe(0);
    expect(show.out.join('')).toMatch(/assigned to\s+SecurityTeam/);
    const usage = io();
    expect(
      await runCli(['reviews', 'close', review?.id ?? '', '--by', 'sam', '--outcome', 'misuse'], usage.io),
    ).toBe(2);
    expect(usage.err.join('')).toContain('--note');
    const unknown = io();
    expect(await runCli(['reviews', 'show', 'no-such-review'], unknown.io)).toBe(1);
    expect(unknown.err.join('')).toMatch(/^error \[ERR_CASE_NOT_FOUND\]: no review no-such-review/);
  });
});
