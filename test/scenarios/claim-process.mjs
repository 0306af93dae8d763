// A gate replica's credential claim as its own process, for claim-crash.test.ts: it collects the case's
// credential the way the verification page does (`confirm: 'caller'`), then stops where the page would
// write its answer, and says so on stdout (never the secret), so the test can SIGKILL it right there.
// Reads: GATE_DATABASE_URL, GATE_SCHEMA, OKTA_URL, OKTA_TOKEN, CASE_ID, SUBJECT_ID.

import { baselinePolicy } from '@recovery-gate/core';
import {
  createAuditLog,
  createMetrics,
  createOrchestrator,
  openStore,
  silentLogger,
} from '@recovery-gate/gate';
import { createProvider } from '@recovery-gate/okta';

const env = process.env;
const store = await openStore({ databaseUrl: env.GATE_DATABASE_URL ?? '', schema: env.GATE_SCHEMA ?? '' });
const okta = createProvider({ orgUrl: env.OKTA_URL, auth: { token: env.OKTA_TOKEN } });
const engine = createOrchestrator(
  {
    store,
    providers: new Map([['okta', okta]]),
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
const claimed = await engine.claimCredential(env.CASE_ID ?? '', env.SUBJECT_ID ?? '', { confirm: 'caller' });
process.stdout.write(`claimed ${claimed.credentialId ?? 'null'}\n`);
// The page's answer would be written now; the test kills this process first.
setInterval(() => undefined, 60_000);
