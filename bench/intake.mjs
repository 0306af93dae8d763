// Bench 2 (hook intake) and 7 (memory): an open-loop generator in a separate process posts Okta event-hook
// deliveries (10% duplicates) at a fixed rate to the gate's /hooks/okta; the gate verifies, stores durably,
// acknowledges, and its inbox worker processes the events with the real case engine. Afterwards: inbox rows
// vs acknowledged deliveries (lost = acknowledged but not stored), handleEvent calls per event (processed twice). The same load against a bare
// node:http server gives the floor. The gate's RSS is sampled idle and under this load.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@recovery-gate/core';
import * as gateLib from '@recovery-gate/gate';
import { createProvider } from '@recovery-gate/okta';
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
  waitFor,
} from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const HOOK_SECRET = 'bench-hook-secret-0123456789abcdef';
/** Users the deliveries spread over (the worker keeps each user's events in order, one at a time). */
const SUBJECTS = 500;

/** Starts the Okta emulator in a child process; resolves with its url, token and cast ids. */
function startEmulatorProcess(options = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, 'okta-emulator-proc.mjs'), [JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('\n'))
        resolve({
          ...JSON.parse(out.split('\n')[0]),
          close: () =>
            new Promise((r) => {
              child.once('exit', r);
              child.kill('SIGTERM');
            }),
        });
    });
    child.on('exit', (code) => reject(new Error(`emulator process exit ${code}`)));
  });
}

function runLoad(cfg) {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, 'intake-load.mjs'), [JSON.stringify(cfg)], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)))
        : reject(new Error(`load generator exit ${code}`)),
    );
  });
}

/** An Okta event-hook delivery of a request-group membership; __N__ makes the event unique, __U__ names the user. */
function deliveryTemplate(emu) {
  const { frank } = emu.ids;
  const published = new Date(emu.now).toISOString();
  const event = {
    uuid: '6f0c3c1e-9b7e-4f47-9a59-__N__',
    published,
    eventType: 'group.user_membership.add',
    version: '0',
    displayMessage: 'Add user to group membership',
    severity: 'INFO',
    actor: { id: frank, type: 'User', alternateId: 'frank@example.com', displayName: 'Frank Fischer' },
    outcome: { result: 'SUCCESS', reason: null },
    target: [
      { id: '__U__', type: 'User', alternateId: 'synthetic@example.com', displayName: 'Synthetic User' },
      {
        id: '00gRequestGroup00001',
        type: 'UserGroup',
        alternateId: 'unknown',
        displayName: 'recovery-request-mfa_reset',
      },
    ],
  };
  return JSON.stringify({
    eventType: 'com.okta.event_hook',
    eventTypeVersion: '1.0',
    cloudEventsVersion: '0.1',
    source: `${emu.url}/api/v1/eventHooks/whoBench`,
    eventId: 'b8a0f1f4-2d4c-4c55-8a53-__N__',
    eventTime: published,
    contentType: 'application/json',
    data: { events: [event] },
  });
}

function rssSampler() {
  const samples = [];
  const timer = setInterval(() => samples.push(process.memoryUsage.rss()), 250);
  return {
    stop() {
      clearInterval(timer);
      const mb = samples.map((b) => b / 2 ** 20).sort((a, b) => a - b);
      return { medianMB: round(median(mb), 1), peakMB: round(mb.at(-1) ?? Number.NaN, 1) };
    },
  };
}

async function gateRun(kind, opts) {
  const env = await startEmulatorProcess({ synthetic: { users: SUBJECTS } });
  const adapter = createProvider(
    {
      orgUrl: env.url,
      auth: { token: env.apiToken },
      hook: { url: 'http://127.0.0.1/hooks/okta', secret: HOOK_SECRET },
    },
    {},
  );
  const { store, dispose } = await throwawayStore(kind, gateLib.openStore);
  const calls = new Map();
  const { logger, errors } = quietLogger(gateLib);
  const gate = gateLib.createGate({
    config: await gateConfig(gateLib, core, { bypass: 'detect' }),
    env: {},
    providers: new Map([['okta', adapter]]),
    store,
    port: 0,
    logger,
    notifier: { send: async () => undefined },
    intake: { streams: { okta: [] }, workerIntervalMs: 500 },
    background: !opts.noWorker,
    createOrchestrator: (deps) => {
      const engine = gateLib.createOrchestrator(deps);
      return {
        ...engine,
        handleEvent: async (event) => {
          calls.set(event.id, (calls.get(event.id) ?? 0) + 1);
          return engine.handleEvent(event);
        },
      };
    },
  });
  try {
    await gate.start();
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, opts.quick ? 1000 : 5000));
    globalThis.gc?.();
    const idleMB = round(process.memoryUsage.rss() / 2 ** 20, 1);
    const sampler = rssSampler();
    const l = load1();
    const cpu0 = process.cpuUsage();
    const load = await runLoad({
      url: `${gate.url}/hooks/okta`,
      rate: opts.rate,
      seconds: opts.seconds,
      duplicateRatio: 0.1,
      headers: { authorization: HOOK_SECRET, 'content-type': 'application/json' },
      body: deliveryTemplate(env),
      subjects: env.synthetic,
    });
    const cpu = process.cpuUsage(cpu0);
    const gateCpuMs = (cpu.user + cpu.system) / 1000;
    const drainStart = Date.now();
    const drained = await waitFor(
      async () => {
        const [row] = await store.query(
          `SELECT count(*)::int AS n FROM gate_inbox WHERE status IN ('pending', 'processing')`,
        );
        return row.n === 0;
      },
      opts.drainSeconds * 1000,
      200,
    );
    const drainSeconds = (Date.now() - drainStart) / 1000;
    const memory = sampler.stop();
    const [rows] = await store.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'done')::int AS done,
              count(*) FILTER (WHERE status = 'failed')::int AS failed FROM gate_inbox WHERE source = 'hook'`,
    );
    const twice = [...calls.values()].filter((n) => n > 1).length;
    // An acknowledged delivery must be in the inbox; one never acknowledged would be retried by the IdP.
    const storedIds = new Set(
      (await store.query(`SELECT event_id FROM gate_inbox WHERE source = 'hook'`)).map((r) => r.event_id),
    );
    const ackedMissing = load.acked.filter(
      (n) => !storedIds.has(`6f0c3c1e-9b7e-4f47-9a59-${String(n).padStart(12, '0')}`),
    ).length;
    const ackedCount = load.acked.length;
    delete load.acked;
    return {
      store: kind,
      load1: l,
      ack: load,
      inbox: rows,
      lost: ackedMissing,
      acknowledgedUnique: ackedCount,
      neverAcknowledged: load.unique - ackedCount,
      storedNeverAcknowledged: Math.max(0, rows.total - ackedCount),
      processedTwice: twice,
      handled: calls.size,
      gateCpuMsPerRequest: round(gateCpuMs / load.total, 2),
      gateCpuShareOfOneCore: round(gateCpuMs / (load.elapsedSeconds * 1000), 2),
      drained,
      drainSecondsAfterLoad: round(drainSeconds, 1),
      memory: { idleMB, underLoadMedianMB: memory.medianMB, underLoadPeakMB: memory.peakMB },
      gateErrors: errors(),
    };
  } finally {
    // stop() waits for the inbox worker's current run, which drains every ready event first: with thousands
    // still pending that takes minutes, so the bench stops waiting after 10 s (the process exits after).
    const stopped = await Promise.race([
      gate.stop().then(
        () => true,
        () => true,
      ),
      new Promise((r) => setTimeout(() => r(false), 10_000)),
    ]);
    if (!stopped) note('gate.stop() still waiting for the inbox worker after 10 s; not waiting longer');
    await dispose();
    await env.close();
  }
}

async function bareRun(opts) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const l = load1();
    const load = await runLoad({
      url: `http://127.0.0.1:${server.address().port}/hooks/okta`,
      rate: opts.rate,
      seconds: opts.seconds,
      duplicateRatio: 0.1,
      headers: { authorization: 'x', 'content-type': 'application/json' },
      body: '{"n":"__N__"}',
    });
    return { load1: l, ack: load };
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

/** Runs the gate part for one store in a fresh process (so one store's memory never shows in the other's RSS). */
function gateRunInChild(kind, argv) {
  return new Promise((resolve, reject) => {
    const child = fork(
      fileURLToPath(import.meta.url),
      [...argv.filter((a) => !a.startsWith('--stores=')), `--stores=${kind}`, '--child'],
      {
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
        execArgv: ['--expose-gc'],
      },
    );
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice(13)).runs);
      else reject(new Error(`intake child for ${kind} exit ${code}`));
    });
  });
}

async function main() {
  const args = parseArgs();
  const opts = {
    quick: args.quick,
    rate: Number(args.rate ?? 200),
    seconds: Number(args.seconds ?? (args.quick ? 5 : 60)),
    drainSeconds: args.quick ? 20 : 60,
    noWorker: args['no-worker'] === 'true',
  };
  const runs = Number(args.runs ?? 1);
  const gateRuns = [];
  if (args.child) {
    for (let r = 0; r < runs; r += 1) {
      const kind = args.stores[0];
      note(`intake on ${kind}: ${opts.rate}/s for ${opts.seconds}s (run ${r + 1}/${runs})`);
      const res = await gateRun(kind, opts);
      note(
        `  p50 ${round(res.ack.fromDue.p50)} ms p99 ${round(res.ack.fromDue.p99)} ms, lost ${res.lost}, twice ${res.processedTwice}, drained ${res.drained}, rss idle ${res.memory.idleMB} peak ${res.memory.underLoadPeakMB} MB`,
      );
      gateRuns.push(res);
    }
    emit({ runs: gateRuns });
    process.exit(0);
  }
  for (const kind of args.stores) gateRuns.push(...(await gateRunInChild(kind, process.argv.slice(2))));
  note(`bare node:http: ${opts.rate}/s for ${opts.seconds}s`);
  const bare = await bareRun(opts);
  const bareP50 = bare.ack.fromDue.p50;
  const bareP99 = bare.ack.fromDue.p99;
  const targets = [];
  const byStore = {};
  for (const kind of args.stores) {
    const rs = gateRuns.filter((g) => g.store === kind);
    const p50 = median(rs.map((g) => g.ack.fromDue.p50));
    const p99 = median(rs.map((g) => g.ack.fromDue.p99));
    const lost = Math.max(...rs.map((g) => g.lost));
    const twice = Math.max(...rs.map((g) => g.processedTwice));
    const non2xx = Math.max(...rs.map((g) => g.ack.answered - (g.ack.statuses['200'] ?? 0) + g.ack.skipped));
    byStore[kind] = {
      p50Ms: round(p50),
      p99Ms: round(p99),
      ratioP50ToBare: round(p50 / bareP50),
      ratioP99ToBare: round(p99 / bareP99),
      lost,
      processedTwice: twice,
      non2xx,
    };
    targets.push({
      name: `[${kind}] ack p99 ms (< 50); p50 ${round(p50)} ms, x${round(p99 / bareP99, 1)} bare p99`,
      value: round(p99),
      target: 50,
      pass: p99 < 50,
    });
    targets.push({
      name: `[${kind}] lost (acknowledged, not stored) / processed twice`,
      value: `${lost}/${twice}`,
      target: '0/0',
      pass: lost === 0 && twice === 0,
    });
    targets.push({
      name: `[${kind}] requests without a 2xx (timeout, reset, 5xx: the IdP retries)`,
      value: non2xx,
      target: 0,
      pass: non2xx === 0,
    });
    const peak = Math.max(...rs.map((g) => g.memory.underLoadPeakMB));
    const idle = median(rs.map((g) => g.memory.idleMB));
    targets.push({
      name: `[${kind}] 7. RSS MB idle ${idle} / peak under load (< 300)`,
      value: peak,
      target: 300,
      pass: peak < 300 && idle < 300,
    });
  }
  targets.push({
    name: `bare node:http p50/p99 ms (reference)`,
    value: `${round(bareP50)}/${round(bareP99)}`,
    target: '-',
    pass: null,
  });
  emit({
    id: 'intake',
    title: '2. Hook intake and 7. memory',
    params: { ...opts, duplicateRatio: 0.1, runsPerStore: runs },
    byStore,
    bare: { p50Ms: round(bareP50), p99Ms: round(bareP99), load1: bare.load1, ack: bare.ack },
    runs: gateRuns,
    targets,
  });
}

await main();
