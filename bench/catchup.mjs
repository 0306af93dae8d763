// Bench 5: catch-up after downtime. The Okta emulator holds N System Log events from the last day
// (a quarter each: sign-ins, factor resets, password resets, group-membership adds); a gate with no cursor
// yet and a 2-day lookback starts and polls them all (pages of the largest size Okta allows, 1000), stores
// the recovery-relevant ones and processes them (bypass mode `detect`: an incident and an alert each).
// Reports log events read per second, events processed per second, and IdP calls. Bounded in time.
// Entra's and Keycloak's emulators have no option to pre-fill their audit streams, so only Okta is measured.
import * as core from '@recovery-gate/core';
import * as gateLib from '@recovery-gate/gate';
import { startIdp } from './idps.mjs';
import {
  emit,
  gateConfig,
  load1,
  median,
  note,
  parseArgs,
  quietLogger,
  round,
  throwawayStore,
} from './lib.mjs';

async function oneRun(kind, events, limitSeconds) {
  const idp = await startIdp('okta', { extra: { synthetic: { users: 1000, logEvents: events } } });
  const { store, dispose } = await throwawayStore(kind, gateLib.openStore);
  const { logger, errors } = quietLogger(gateLib);
  const gate = gateLib.createGate({
    config: await gateConfig(gateLib, core, { bypass: 'detect', interval: '1h', tick: '1h', lookback: '2d' }),
    env: {},
    providers: new Map([['okta', idp.adapter]]),
    store,
    port: 0,
    logger,
    notifier: { send: async () => undefined },
    intake: { workerIntervalMs: 1000, streams: { okta: idp.adapter.streams.filter((s) => s !== 'hooks') } },
  });
  idp.resetLog();
  const l = load1();
  const t0 = performance.now();
  let readAt = null;
  let stored = 0;
  let done = 0;
  let stable = 0;
  let lastStoredAt = t0;
  try {
    await gate.start();
    while ((performance.now() - t0) / 1000 < limitSeconds) {
      await new Promise((r) => setTimeout(r, 500));
      const [row] = await store.query(
        `SELECT count(*)::int AS stored, count(*) FILTER (WHERE status IN ('done', 'failed'))::int AS done FROM gate_inbox`,
      );
      if (row.stored !== stored) lastStoredAt = performance.now();
      // Read through once a page came back short (the end of the log) and nothing new was stored since.
      const entry = idp.emulator.control.faults.requestLog().findLast((e) => e.path === '/api/v1/logs');
      if (
        readAt === null &&
        row.stored === stored &&
        Array.isArray(entry?.responseBody) &&
        entry.responseBody.length < 1000
      )
        readAt = lastStoredAt;
      stable = row.stored === stored && row.done === row.stored ? stable + 1 : 0;
      stored = row.stored;
      done = row.done;
      if (readAt !== null && stable >= 2) break;
    }
    const end = performance.now();
    const log = idp.log();
    const logCalls = log.filter((e) => e.path === '/api/v1/logs');
    const seconds = (end - t0) / 1000;
    const readSeconds = readAt === null ? null : (readAt - t0) / 1000;
    return {
      store: kind,
      load1: l,
      events,
      finished: readAt !== null && stable >= 2,
      seconds: round(seconds, 1),
      readSeconds: readSeconds === null ? null : round(readSeconds, 1),
      logEventsReadPerSecond: readSeconds === null ? null : Math.round(events / readSeconds),
      stored,
      processed: done,
      processedPerSecond: Math.round(done / seconds),
      idpCalls: idp.count(),
      logPages: logCalls.length,
      pageLimit: logCalls[0]?.query?.limit ?? null,
      otherCalls: log.length - logCalls.length,
      gateErrors: errors(),
    };
  } finally {
    // stop() waits for the inbox worker to drain every ready event; when the run hit its time limit that is
    // minutes away, so stop waiting after 10 s (the process exits when the bench is done).
    await Promise.race([gate.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
    await dispose();
    await idp.close();
  }
}

async function main() {
  const args = parseArgs();
  const events = Number(args.events ?? (args.quick ? 5_000 : 100_000));
  const runs = Number(args.runs ?? 1);
  const limitSeconds = Number(args.limit ?? (args.quick ? 60 : 120));
  const detail = [];
  const targets = [];
  const summary = {};
  for (const kind of args.stores) {
    const rs = [];
    for (let r = 0; r < runs; r += 1) {
      const res = await oneRun(kind, events, limitSeconds);
      note(
        `catchup ${kind}: read in ${res.readSeconds}s, stored ${res.stored}, processed ${res.processed} in ${res.seconds}s, ${res.logPages} pages (limit ${res.pageLimit}), ${res.idpCalls} calls`,
      );
      rs.push(res);
    }
    detail.push(...rs);
    const s = {
      logEventsReadPerSecond: median(rs.map((x) => x.logEventsReadPerSecond)),
      processedPerSecond: median(rs.map((x) => x.processedPerSecond)),
      logPages: median(rs.map((x) => x.logPages)),
      idpCalls: median(rs.map((x) => x.idpCalls)),
      finished: rs.every((x) => x.finished),
    };
    summary[`okta/${kind}`] = s;
    targets.push({
      name: `[okta/${kind}] ${events} log events: read/s (pages ${s.logPages}, IdP calls ${s.idpCalls})`,
      value: s.logEventsReadPerSecond,
      target: '-',
      pass: null,
    });
    targets.push({
      name: `[okta/${kind}] relevant events processed/s${s.finished ? '' : ` (NOT finished in ${limitSeconds}s)`}`,
      value: s.processedPerSecond,
      target: '-',
      pass: s.finished ? null : false,
    });
  }
  emit({
    id: 'catchup',
    title: '5. Catch-up after downtime (Okta System Log)',
    params: { events, runs, limitSeconds },
    summary,
    targets,
    detail,
  });
}

await main();
process.exit(0);
