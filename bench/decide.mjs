// Bench 1: policy decisions per second and latency quantiles of core's decide() on the baseline policy,
// one thread, over a mixed, seeded set of requests (subject classes, evidence and approvals vary).
import { baselinePolicy, decide, RECOVERY_ACTIONS } from '@recovery-gate/core';
import { emit, load1, median, note, parseArgs, quantile, round } from './lib.mjs';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const ago = (minutes) => new Date(NOW - minutes * 60_000).toISOString();

function seeded(seed) {
  let s = seed;
  return () => {
    s = (s * 48_271) % 2_147_483_647;
    return s / 2_147_483_647;
  };
}

/** Builds `count` varied decide() inputs. */
export function makeInputs(count, seed = 7) {
  const rnd = seeded(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const phone = {
    id: 'ph',
    kind: 'phone',
    value: '+15550100',
    lastChangedAt: ago(600_000),
    verified: true,
    isAccountMailbox: false,
  };
  const push = {
    id: 'pu',
    kind: 'push',
    label: null,
    enrolledAt: ago(600_000),
    status: 'active',
    supportsDeviceChallenge: true,
  };
  const profiles = [
    { groups: ['Everyone'], adminRoles: [], attributes: {} },
    { groups: ['Finance'], adminRoles: [], attributes: {} },
    { groups: ['Executives'], adminRoles: [], attributes: {} },
    { groups: [], adminRoles: ['Super Administrator'], attributes: {} },
    {
      groups: [],
      adminRoles: [],
      attributes: { employeeType: 'contractor', contractEnd: '2027-01-01T00:00:00Z' },
    },
    { groups: null, adminRoles: null, attributes: {} },
  ];
  const kinds = [
    'device_challenge',
    'oidc_step_up',
    'phone_otp',
    'recovery_code',
    'idv_ial2',
    'supervised_proofing',
    'kba',
  ];
  const roles = ['manager', 'sponsor', 'security_team', 'second_agent'];
  const people = ['mgr', 'spn', 'sec1', 'sec2', 'agent'];
  return Array.from({ length: count }, (_, i) => {
    const p = pick(profiles);
    const user = `u${i}`;
    const facts = {
      idp: pick(['okta', 'entra', 'keycloak']),
      userId: user,
      login: `${user}@example.com`,
      displayName: null,
      status: rnd() < 0.95 ? 'active' : 'locked',
      groups: p.groups,
      adminRoles: p.adminRoles,
      attributes: p.attributes,
      manager: { id: 'mgr', login: null, displayName: null },
      sponsor: { id: 'spn', login: null, displayName: null },
      authenticators: [push],
      channels: [phone],
      protectedUnit: null,
      readAt: ago(0),
    };
    const request = {
      action: pick(RECOVERY_ACTIONS),
      subjectId: user,
      requesterId: 'agent',
      origin: 'native_console',
      requestedAt: ago(30),
    };
    const evidence = Array.from({ length: Math.floor(rnd() * 4) }, () => {
      const kind = pick(kinds);
      return {
        kind,
        at: ago(Math.floor(rnd() * 20)),
        by: kind === 'supervised_proofing' ? 'officer' : user,
        channelId: kind === 'phone_otp' ? 'ph' : null,
        authenticatorId: kind === 'device_challenge' ? 'pu' : null,
      };
    });
    const approvals = Array.from({ length: Math.floor(rnd() * 4) }, () => ({
      approverId: pick(people),
      role: pick(roles),
      decision: rnd() < 0.97 ? 'approve' : 'deny',
      at: ago(Math.floor(rnd() * 60)),
      reason: 'bench',
    }));
    return { request, facts: rnd() < 0.02 ? null : facts, evidence, approvals };
  });
}

/** One timed run: `count` decisions, per-call latency sampled on every call. */
function runOnce(inputs, count) {
  const now = ago(0);
  const lat = new Float64Array(count);
  const outcomes = { satisfied: 0, pending: 0, denied: 0 };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i += 1) {
    const c = inputs[i % inputs.length];
    const s = performance.now();
    const d = decide(baselinePolicy, c.request, c.facts, c.evidence, c.approvals, now);
    lat[i] = performance.now() - s;
    outcomes[d.outcome] += 1;
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  lat.sort();
  return {
    perSecond: count / (wallMs / 1000),
    perCpuSecond: count / (cpuMs / 1000),
    p50Ms: quantile(lat, 0.5),
    p99Ms: quantile(lat, 0.99),
    maxMs: lat[lat.length - 1],
    outcomes,
  };
}

async function main() {
  const args = parseArgs();
  const runs = Number(args.runs ?? (args.quick ? 3 : 5));
  const count = args.quick ? 30_000 : 200_000;
  const inputs = makeInputs(5_000);
  for (let i = 0; i < 30_000; i += 1) {
    const c = inputs[i % inputs.length];
    decide(baselinePolicy, c.request, c.facts, c.evidence, c.approvals, ago(0));
  }
  const results = [];
  for (let r = 0; r < runs; r += 1) {
    const l = load1();
    const res = runOnce(inputs, count);
    results.push({ ...res, load1: l });
    note(
      `decide run ${r + 1}/${runs}: ${Math.round(res.perSecond)}/s wall, ${Math.round(res.perCpuSecond)}/CPU-s, p99 ${res.p99Ms.toFixed(4)} ms`,
    );
  }
  const perSecond = median(results.map((r) => r.perSecond));
  const perCpuSecond = median(results.map((r) => r.perCpuSecond));
  const p99Ms = median(results.map((r) => r.p99Ms));
  emit({
    id: 'decide',
    title: '1. Policy decisions (core decide, one thread)',
    runs,
    decisionsPerRun: count,
    figures: {
      perSecond: Math.round(perSecond),
      perCpuSecond: Math.round(perCpuSecond),
      p50Ms: round(median(results.map((r) => r.p50Ms)), 4),
      p99Ms: round(p99Ms, 4),
    },
    targets: [
      {
        name: 'decisions per CPU second >= 50,000',
        value: Math.round(perCpuSecond),
        target: 50_000,
        pass: perCpuSecond >= 50_000,
      },
      {
        name: 'decisions per wall second >= 50,000',
        value: Math.round(perSecond),
        target: 50_000,
        pass: perSecond >= 50_000,
      },
    ],
    runsDetail: results.map((r) => ({
      perSecond: Math.round(r.perSecond),
      perCpuSecond: Math.round(r.perCpuSecond),
      p99Ms: round(r.p99Ms, 4),
      load1: r.load1,
    })),
    outcomes: results[0]?.outcomes,
    note: 'per-call timing with performance.now() is included in the figures (it lowers them slightly)',
  });
}

await main();
