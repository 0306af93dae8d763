// Bench 6: the guardrails plan (`recovery-gate plan`: provider.planGuardrails()) on a large tenant: 50,000
// users and 5,000 groups, guardrails not yet applied (the first plan). Reports IdP calls (from the emulator's
// request log) and time, and flags any unfiltered listing of users or groups (the plan must use filters).
// Okta's emulator seeds users and groups itself; Entra's and Keycloak's seed synthetic users only, so the
// 5,000 groups are added to their in-memory state here (each synthetic user in one of them).
import { randomUUID } from 'node:crypto';
import { IDPS, startIdp } from './idps.mjs';
import { emit, load1, median, note, parseArgs, round } from './lib.mjs';

const FILTERS = ['filter', 'search', 'q', '$filter', '$search', 'username', 'email', 'name'];

function extraFor(idp, users, groups) {
  if (idp === 'okta') return { synthetic: { users, groups } };
  if (idp === 'entra') return { syntheticUsers: users };
  return { seed: { syntheticUsers: users } };
}

function addGroups(idp, emulator, count) {
  if (idp === 'entra') {
    const { tenant } = emulator.control;
    const users = [...tenant.users.keys()];
    for (let i = 0; i < count; i += 1) {
      const id = randomUUID();
      tenant.groups.set(id, {
        id,
        displayName: `synthetic-group-${i}`,
        description: null,
        mailNickname: `synthetic${i}`,
        securityEnabled: true,
        mailEnabled: false,
        isAssignableToRole: false,
        createdDateTime: new Date().toISOString(),
        members: new Set(users.filter((_, u) => u % count === i)),
      });
    }
  } else if (idp === 'keycloak') {
    const { realm } = emulator.control;
    const users = [...realm.users.values()];
    const ids = [];
    for (let i = 0; i < count; i += 1) {
      const id = randomUUID();
      realm.groups.set(id, {
        id,
        name: `synthetic-group-${i}`,
        parentId: null,
        attributes: {},
        realmRoles: new Set(),
        clientRoles: new Map(),
      });
      ids.push(id);
    }
    for (const [n, u] of users.entries()) u.groups.add(ids[n % count]);
  }
}

function queryKeys(query) {
  if (!query) return [];
  if (typeof query === 'string')
    return [...new URLSearchParams(query.startsWith('?') ? query.slice(1) : query).keys()];
  return Object.keys(query);
}

/** A GET on the tenant's whole user or group collection (not one group's members) with no filter. */
const unfiltered = (e) =>
  e.method === 'GET' &&
  /^(\/api\/v1|\/v1\.0|\/beta|\/admin\/realms\/[^/]+)?\/(users|groups)\/?$/.test(e.path) &&
  !queryKeys(e.query).some((k) => FILTERS.includes(k));

/** Calls per path shape (ids replaced), to show walks such as one call per group. */
function shapes(log) {
  const counts = {};
  for (const e of log) {
    const shape = `${e.method} ${e.path.replace(/\/[0-9a-zA-Z-]{16,}/g, '/{id}')}`;
    counts[shape] = (counts[shape] ?? 0) + 1;
  }
  return Object.fromEntries(
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8),
  );
}

async function main() {
  const args = parseArgs();
  const users = Number(args.users ?? (args.quick ? 5_000 : 50_000));
  const groups = Number(args.groups ?? (args.quick ? 500 : 5_000));
  const runs = Number(args.runs ?? (args.quick ? 1 : 5));
  const idps = typeof args.idps === 'string' ? args.idps.split(',') : IDPS;
  const targets = [];
  const summary = {};
  const detail = [];
  for (const name of idps) {
    const started = performance.now();
    const idp = await startIdp(name, { guardrailsApplied: false, extra: extraFor(name, users, groups) });
    addGroups(name, idp.emulator, groups);
    const seedSeconds = round((performance.now() - started) / 1000, 1);
    const rs = [];
    try {
      for (let r = 0; r < runs; r += 1) {
        idp.resetLog();
        const l = load1();
        const t0 = performance.now();
        const plan = await idp.adapter.planGuardrails();
        const ms = performance.now() - t0;
        const log = idp.log();
        const res = {
          idp: name,
          load1: l,
          ms: round(ms, 1),
          idpCalls: idp.count(),
          changes: plan.changes.filter((c) => c.op !== 'noop').length,
          findings: plan.findings.length,
          unfilteredLists: log.filter(unfiltered).map((e) => `${e.method} ${e.path}`),
          topShapes: shapes(log),
          requests:
            r === 0 && log.length <= 60
              ? log.map(
                  (e) =>
                    `${e.method} ${e.path}${queryKeys(e.query).length ? `?${queryKeys(e.query).join('&')}` : ''}`,
                )
              : undefined,
        };
        rs.push(res);
        note(
          `guardrails ${name} run ${r + 1}: ${res.ms} ms, ${res.idpCalls} calls, ${res.changes} changes, unfiltered lists ${res.unfilteredLists.length}`,
        );
      }
    } finally {
      await idp.close();
    }
    detail.push(...rs);
    // The first plan on a fresh adapter is what `recovery-gate plan` (a new process each time) pays; later
    // plans reuse what the adapter already looked up, so they are reported apart (warm).
    const [cold, ...warm] = rs;
    const lists = Math.max(...rs.map((x) => x.unfilteredLists.length));
    summary[name] = {
      coldMs: cold.ms,
      coldIdpCalls: cold.idpCalls,
      warmMedianMs: round(median(warm.map((x) => x.ms)), 1),
      warmMedianIdpCalls: median(warm.map((x) => x.idpCalls)),
      unfilteredLists: lists,
      seedSeconds,
      runs: rs.length,
    };
    targets.push({
      name: `[${name}] plan, ${users} users / ${groups} groups: cold ${round(cold.ms, 0)} ms (warm ${round(median(warm.map((x) => x.ms)), 0)} ms); cold IdP calls, no full listing`,
      value: cold.idpCalls,
      target: 'no full listing',
      pass: lists === 0,
    });
  }
  emit({
    id: 'guardrails',
    title: '6. Guardrails plan on a large tenant',
    params: { users, groups, runs },
    summary,
    targets,
    detail,
  });
}

await main();
