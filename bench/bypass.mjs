// Bench 4: bypass detection, from a native reset in the IdP's console (the emulator's native action, done
// as the help-desk agent) to a completed remediation (an incident case in enforce mode: sessions revoked,
// authenticators bound since removed). By hook: Okta event hooks delivered by the emulator to the gate's
// /hooks/okta. By polling: each IdP's audit stream polled at `pollers.interval`. The whole gate runs
// (createGate with its background loops) on a throwaway store.
import * as core from '@recovery-gate/core';
import * as gateLib from '@recovery-gate/gate';
import { IDPS, startIdp } from './idps.mjs';
import {
  emit,
  gateConfig,
  load1,
  median,
  note,
  parseArgs,
  quietLogger,
  throwawayStore,
  waitFor,
} from './lib.mjs';

const HOOK_SECRET = 'harness-hook-secret-0123456789abcdef';

async function registerOktaHook(emulator, url) {
  const api = (path, init = {}) =>
    fetch(`${emulator.url}${path}`, {
      ...init,
      headers: {
        authorization: `SSWS ${emulator.apiToken}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
    });
  const created = await api('/api/v1/eventHooks', {
    method: 'POST',
    body: JSON.stringify({
      name: 'recovery-gate-bench',
      events: {
        type: 'EVENT_TYPE',
        items: ['user.mfa.factor.reset_all', 'user.account.reset_password', 'user.mfa.factor.deactivate'],
      },
      channel: {
        type: 'HTTP',
        version: '1.0.0',
        config: { uri: url, authScheme: { type: 'HEADER', key: 'Authorization', value: HOOK_SECRET } },
      },
    }),
  });
  if (created.status !== 200) throw new Error(`event hook not created: ${created.status}`);
  const hook = await created.json();
  const verified = await api(`/api/v1/eventHooks/${hook.id}/lifecycle/verify`, { method: 'POST' });
  const body = await verified.json();
  if (body.verificationStatus !== 'VERIFIED') throw new Error('event hook not verified');
}

const incidentsOf = (store, subject) =>
  store.query(
    `SELECT id, state, created_at, completed_at FROM cases WHERE kind = 'incident' AND subject_id = $1`,
    [subject],
  );

async function series(kind, idpName, mode, opts) {
  // Keycloak's guardrails (FGAP v2) forbid the help-desk agent the native reset this bench performs: the
  // bypass is then one by an agent the guardrails do not cover (the realm as before `apply`).
  // Each run resets a different synthetic user: a user whose authenticators a previous remediation removed
  // gives a native reset nothing to do (Entra then writes no audit record).
  const extra = {
    okta: { synthetic: { users: 10 } },
    entra: { syntheticUsers: 10 },
    keycloak: { seed: { syntheticUsers: 10 } },
  }[idpName];
  const idp = await startIdp(idpName, { guardrailsApplied: idpName !== 'keycloak', extra });
  const subject = async (r) => {
    const name = idpName === 'keycloak' ? `user${String(r + 1).padStart(5, '0')}` : `user${r}`;
    const found = (await idp.adapter.findUser(`${name}@example.com`)) ?? (await idp.adapter.findUser(name));
    if (!found) throw new Error(`${name} not found on ${idpName}`);
    return found;
  };
  const { store, dispose } = await throwawayStore(kind, gateLib.openStore);
  const { logger, errors } = quietLogger(gateLib);
  const interval = `${opts.intervalSeconds}s`;
  const gate = gateLib.createGate({
    config: await gateConfig(gateLib, core, { bypass: 'enforce', interval, tick: '5s', lookback: '10m' }),
    env: {},
    providers: new Map([[idpName, idp.adapter]]),
    store,
    port: 0,
    logger,
    notifier: { send: async () => undefined },
    intake:
      mode === 'hook' ? { streams: { [idpName]: [] }, workerIntervalMs: 1000 } : { workerIntervalMs: 1000 },
  });
  const out = [];
  try {
    await gate.start();
    if (mode === 'hook') await registerOktaHook(idp.emulator, `${gate.url}/hooks/okta`);
    // Let the first poll of recent history settle before acting.
    await new Promise((r) => setTimeout(r, mode === 'poll' ? 1500 : 200));
    for (let r = 0; r < opts.runs; r += 1) {
      const user = await subject(r);
      const known = new Set((await incidentsOf(store, user.id)).map((i) => i.id));
      const l = load1();
      const t0 = Date.now();
      await idp.nativeReset(user.id);
      let incident;
      const ok = await waitFor(
        async () => {
          incident = (await incidentsOf(store, user.id)).find((i) => !known.has(i.id));
          return incident?.state === 'completed';
        },
        opts.timeoutSeconds * 1000,
        50,
      );
      const res = {
        store: kind,
        idp: idpName,
        mode,
        load1: l,
        detected: Boolean(incident),
        completed: ok,
        msToDetected: incident ? new Date(incident.created_at).getTime() - t0 : null,
        msToRemediated: ok ? new Date(incident.completed_at).getTime() - t0 : null,
      };
      out.push(res);
      note(
        `bypass ${mode} ${idpName}/${kind} run ${r + 1}: detected ${res.msToDetected} ms, remediated ${res.msToRemediated} ms`,
      );
      // Polling: next action at a fresh phase of the poll cycle.
      if (mode === 'poll')
        await new Promise((r2) => setTimeout(r2, 300 + ((r * 1700) % (opts.intervalSeconds * 1000))));
    }
  } finally {
    await gate.stop().catch(() => undefined);
    await dispose();
    await idp.close();
  }
  if (errors() > 0) note(`gate logged ${errors()} errors`);
  return out;
}

async function main() {
  const args = parseArgs();
  const opts = {
    runs: Number(args.runs ?? (args.quick ? 1 : 5)),
    intervalSeconds: Number(args.interval ?? (args.quick ? 2 : 5)),
    timeoutSeconds: 30,
  };
  const idps = typeof args.idps === 'string' ? args.idps.split(',') : IDPS;
  const all = [];
  const targets = [];
  const summary = {};
  for (const kind of args.stores) {
    const plans = [...(idps.includes('okta') ? [['okta', 'hook']] : []), ...idps.map((i) => [i, 'poll'])];
    for (const [idpName, mode] of plans) {
      let rs;
      try {
        rs = await series(kind, idpName, mode, opts);
      } catch (error) {
        note(`bypass ${mode} ${idpName}/${kind} FAILED: ${error?.message ?? error}`);
        rs = [{ store: kind, idp: idpName, mode, error: String(error?.message ?? error) }];
      }
      all.push(...rs);
      const ok = rs.filter((x) => x.completed);
      const med = median(ok.map((x) => x.msToRemediated));
      const max = ok.length ? Math.max(...ok.map((x) => x.msToRemediated)) : Number.NaN;
      const limit = mode === 'hook' ? 5000 : opts.intervalSeconds * 1000 + 2000;
      summary[`${mode}:${idpName}/${kind}`] = {
        medianMs: med,
        maxMs: max,
        completedRuns: ok.length,
        runs: rs.length,
        limitMs: limit,
      };
      targets.push({
        name: `[${mode} ${idpName}/${kind}] remediated, max of ${rs.length} (median ${Math.round(med)}) ms < ${limit}`,
        value: max,
        target: limit,
        pass: ok.length === rs.length && max < limit,
      });
    }
  }
  emit({
    id: 'bypass',
    title: '4. Bypass detection to completed remediation',
    params: opts,
    summary,
    targets,
    detail: all,
  });
}

await main();
