// Bench 3: end-to-end execution per IdP, from the last required evidence (the manager's approval that
// satisfies a standard T2 mfa_reset) to "credential issued and every session revoked", with each emulator
// adding 50 ms to every API call. The real case engine runs on a throwaway store; the provider is wrapped
// to timestamp its port calls and snapshot the emulator's request log when revoke and issue both finished.
// The ratio is to the unavoidable sequential calls (chainOf, below) x 50 ms; ratios to the writes x 50 ms
// and to all calls x 50 ms are reported too.
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as core from '@recovery-gate/core';
import * as gateLib from '@recovery-gate/gate';
import { IDPS, isWrite, startIdp } from './idps.mjs';
import { emit, load1, median, note, parseArgs, round, throwawayStore, waitFor } from './lib.mjs';

const LATENCY = 50;
const EXECUTION = new Set(['revokeSessions', 'resetAuthenticators', 'issueTemporaryCredential']);
/** Port calls counted in the chain: the facts read again before execution, then the execution's steps. */
const CHAIN = new Set(['readSubjectFacts', ...EXECUTION]);

/** Entra's fixed id of the mobile phone method. */
const ENTRA_MOBILE = '3179e48a-750b-4051-897c-87b9720928f7';

/**
 * The unavoidable sequential calls: per IdP, the minimal dependency chain of IdP round trips from the last
 * evidence to "issued and revoked", counted in rounds (calls that can go in parallel are one round). The
 * gate runs revoke, reset and issue as journaled steps, one after the other (each is recorded done before
 * the next starts, so a crash resumes cleanly), so the chain is the sum of each step's own chain. A step's
 * chain counts the writes it must make and the reads it cannot do without (a list of what to delete, a
 * safety check just before a send); reads of org-level data that a running gate caches (Okta's TAC
 * authenticator id) are not counted. Data-dependent parts (are there methods to delete, consents to
 * revoke?) are read from the requests the step made, never from their number or timing.
 * Returns one entry per round: [step, reason].
 */
function chainOf(idp, step, requests) {
  const deletes = requests.filter((r) => r.method === 'DELETE');
  const gets = requests.filter((r) => r.method === 'GET');
  const rounds = [];
  const add = (why) => rounds.push([step, why]);
  if (step === 'readSubjectFacts') {
    // The facts read again before executing (the gate's safety read: a subject who became riskier since
    // the case was decided is decided again, never executed under the old tier). Counted at the rounds
    // the IdP's API needs: everything addressed by the user id at once, then what depends on it.
    if (idp === 'okta') {
      add('GET user || groups, roles, factors, authenticator-enrollments, System Log (all by the user id)');
      const people = new Set(
        gets.map((r) => r.path.match(/^\/api\/v1\/users\/([^/?]+)$/)?.[1]).filter(Boolean),
      );
      if (people.size > 1) add('GET manager / sponsor (their ids are in the profile)');
    } else if (idp === 'entra') {
      add(
        'GET user || transitiveMemberOf, methods, manager, sponsors, directoryAudits, PIM group eligibility',
      );
      if (gets.some((r) => r.path.startsWith('/roleManagement/')))
        add(
          'GET roleAssignments || roleEligibilitySchedules (the user and the role-assignable groups of round 1)',
        );
    } else if (idp === 'keycloak') {
      add('GET user || brute-force status, groups, role mappings, credentials, events (all by the user id)');
      const people = new Set(
        gets.map((r) => r.path.match(/\/users\/([^/?]+)$/)?.[1]).filter((id) => id !== undefined),
      );
      if (people.size > 1 || gets.some((r) => /\/users\/?\?|\/users\/$/.test(r.path)))
        add('GET manager (named by an attribute of the user)');
    }
    return rounds;
  }
  if (idp === 'okta') {
    if (step === 'revokeSessions') add('DELETE sessions (with tokens) || DELETE grants');
    if (step === 'resetAuthenticators') {
      add('GET factors || GET authenticator-enrollments (what to remove)');
      if (deletes.length > 0) add(`${deletes.length} DELETE in parallel`);
    }
    if (step === 'issueTemporaryCredential') add('POST authenticator-enrollments/tac');
  } else if (idp === 'entra') {
    if (step === 'revokeSessions') add('POST revokeSignInSessions');
    if (step === 'resetAuthenticators') {
      add('GET authentication/methods (what to remove)');
      const mobile = deletes.filter((r) => r.path.endsWith(`/phoneMethods/${ENTRA_MOBILE}`));
      if (deletes.length > mobile.length) add(`${deletes.length - mobile.length} DELETE in parallel`);
      if (mobile.length > 0) add('DELETE the mobile phone, after the other methods');
      // Graph answers 400 to a phone it will not delete (the default MFA method), with no reliable reason:
      // the methods are listed again to tell a phone that remains from one removed meanwhile.
      const lastDelete = requests.findLastIndex((r) => r.method === 'DELETE');
      if (lastDelete >= 0 && requests.slice(lastDelete).some((r) => r.method === 'GET'))
        add('GET authentication/methods (a refused phone: does it remain?)');
    }
    if (step === 'issueTemporaryCredential') add('POST temporaryAccessPassMethods');
  } else if (idp === 'keycloak') {
    if (step === 'revokeSessions') {
      add('POST logout || GET consents');
      if (deletes.length > 0) add(`${deletes.length} DELETE consent in parallel`);
    }
    if (step === 'resetAuthenticators') {
      add('GET credentials (what to remove)');
      if (deletes.length > 0) add(`${deletes.length} DELETE credential in parallel`);
    }
    if (step === 'issueTemporaryCredential') {
      if (requests.some((r) => r.method === 'PUT' && r.path.endsWith('/reset-password'))) {
        // The temporary password the gate shows: the user's required actions are a whole list in the user
        // representation (read, then written), and reset-password answers 204 without the credential id.
        add('GET user (enabled? its required actions)');
        add('PUT reset-password (temporary) || PUT user (required actions)');
        add('GET credentials (the new password credential id)');
      } else {
        add('GET user (the email is still the verified channel chosen, the account enabled)');
        add('PUT execute-actions-email');
      }
    }
  }
  return rounds;
}

/** Wraps a provider: records each port call with its start/end and the emulator log index around it. */
function instrument(provider, idp) {
  const calls = [];
  const wrapped = new Proxy(provider, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args) => {
        const entry = { method: String(prop), start: performance.now(), logStart: idp.log().length };
        calls.push(entry);
        try {
          return await value.apply(target, args);
        } finally {
          entry.end = performance.now();
          entry.logEnd = idp.log().length;
        }
      };
    },
  });
  return { wrapped, calls };
}

/**
 * Wraps a store: records each statement and transaction (start, end, first words) so the gate's own time
 * between IdP rounds can be told apart (store round trips, commits) from the rest (CPU, timers).
 */
function instrumentStore(store) {
  const ops = [];
  // Statements seen writing a journal step (by its name in the parameters), so the bench learns that the
  // gate journaled `ask:ready` from the wrapper, without a store read of its own in the timed interval.
  const journaled = new Set();
  const label = (sql) => String(sql).trim().replace(/\s+/g, ' ').slice(0, 48);
  const wrapQ = (q, inTx) =>
    new Proxy(q, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === 'query') {
          return async (sql, ...rest) => {
            const entry = { op: label(sql), inTx, start: performance.now() };
            ops.push(entry);
            const params = rest[0];
            if (Array.isArray(params) && /INTO case_journal/.test(sql))
              for (const p of params) if (typeof p === 'string' && p.startsWith('ask:')) journaled.add(p);
            try {
              return await value.call(target, sql, ...rest);
            } finally {
              entry.end = performance.now();
            }
          };
        }
        if (prop === 'transaction') {
          return async (fn, ...rest) => {
            const entry = { op: 'TRANSACTION', inTx, start: performance.now() };
            ops.push(entry);
            try {
              return await value.call(
                target,
                (tx) => {
                  // When the body starts: what came before it is the store's connect and BEGIN.
                  entry.body = performance.now();
                  return fn(wrapQ(tx, true));
                },
                ...rest,
              );
            } finally {
              entry.end = performance.now();
            }
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return { wrapped: wrapQ(store, false), ops, journaled };
}

/** Garbage-collection pauses of this process (start, duration in ms), to tell them from the gate's own time. */
const gcPauses = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    gcPauses.push({ start: e.startTime, ms: e.duration, kind: e.detail?.kind });
}).observe({ entryTypes: ['gc'] });

// A full collection before each timed interval, so the interval does not pay for the garbage the setup
// left (emulators, adapters, the case's opening); what the gate allocates inside it is still collected
// inside it, and every pause in the interval is reported (gcMs).
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc');

async function oneRun(kind, idpName, rawStore, first) {
  const { wrapped: store, ops: storeOps, journaled } = instrumentStore(rawStore);
  const idp = await startIdp(idpName, { latencyMs: LATENCY });
  try {
    const { wrapped, calls } = instrument(idp.adapter, idp);
    const engine = gateLib.createOrchestrator(
      {
        store,
        providers: new Map([[idpName, wrapped]]),
        policy: core.baselinePolicy,
        audit: gateLib.createAuditLog(store, () => new Date()),
        notifier: { send: async () => undefined },
        metrics: gateLib.createMetrics(),
        logger: gateLib.silentLogger,
        now: () => new Date(),
        baseUrl: 'https://gate.bench.test',
      },
      { retryBaseMs: 1000 },
    );
    if (first) await store.migrate([...gateLib.GATE_MIGRATIONS, ...engine.migrations]);
    const find = async (n) =>
      (await idp.adapter.findUser(`${n}@example.com`)) ?? (await idp.adapter.findUser(n));
    const [alice, erin, frank] = await Promise.all(['alice', 'erin', 'frank'].map(find));
    const facts = await idp.adapter.readSubjectFacts(alice.id);
    const phones = facts.channels.filter((c) => c.kind === 'phone' && !c.isAccountMailbox);
    const phone = phones.find((c) => c.verified) ?? phones[0];
    await engine.handleEvent({
      id: `bench-e2e-${Date.now()}-${Math.random()}`,
      idp: idpName,
      kind: 'recovery_requested',
      sourceType: 'request-group membership added',
      occurredAt: new Date().toISOString(),
      actor: { id: frank.id, type: 'user', displayName: 'Frank' },
      subject: { userId: alice.id, login: null },
      action: 'mfa_reset',
      authenticatorKind: null,
    });
    const [c] = await engine
      .listCases({ subjectId: alice.id, kind: 'recovery' })
      .then((l) =>
        l.filter(
          (x) =>
            x.idp === idpName && !['completed', 'denied', 'cancelled', 'expired', 'failed'].includes(x.state),
        ),
      );
    if (!c) throw new Error(`no open case on ${idpName}`);
    if (phone?.verified) {
      await engine.recordEvidence(c.id, { kind: 'phone_otp', by: alice.id, channelId: phone.id });
    } else {
      // No verified phone on file (Okta's cast): the first proof is the Okta Verify push the case started.
      // Number matching: the subject picks the number the push shows.
      const number = idp.emulator.control.pendingPushNumber(alice.id) ?? undefined;
      if (!idp.emulator.control.answerPush(alice.id, 'approve', number))
        throw new Error(`${idpName}: no push pending`);
      await engine.tick();
    }
    collect({ type: 'major', execution: 'sync' });
    const l = load1();
    idp.resetLog();
    calls.length = 0;
    storeOps.length = 0;
    journaled.clear();
    const countBefore = idp.count();
    const t0 = performance.now();
    await engine.recordApproval(c.id, {
      approverId: erin.id,
      role: 'manager',
      decision: 'approve',
      reason: 'bench',
    });
    const returned = performance.now();
    // Okta and Entra issue the credential when the verified subject collects it (shown once); the subject
    // is taken to collect at once, so no human time is counted.
    // Whether the gate is waiting for the claim is learnt from the store wrapper (it saw the `ask:ready`
    // journal write before recordApproval returned), not from a getCase of the bench's own: that read's
    // four statements would count in the timed interval though the subject's page makes none of them.
    let claimed = false;
    const ready = journaled.has('ask:ready');
    if (ready && !calls.some((x) => x.method === 'issueTemporaryCredential')) {
      await engine.claimCredential(c.id, alice.id);
      claimed = true;
    }
    await waitFor(async () => (await engine.getCase(c.id))?.state === 'completed', 60_000, 20);
    const completed = performance.now();
    const state = (await engine.getCase(c.id))?.state;
    const exec = calls.filter((x) => EXECUTION.has(x.method));
    const revoke = exec.find((x) => x.method === 'revokeSessions');
    const issue = exec.find((x) => x.method === 'issueTemporaryCredential');
    if (!revoke?.end || !issue?.end) {
      const view = await engine.getCase(c.id);
      const why = JSON.stringify({
        missing: view?.decision?.missing,
        ignored: view?.decision?.ignored,
        journal: view?.journal?.map((j) => `${j.step}:${j.state}:${j.error ?? ''}`),
      });
      throw new Error(
        `${idpName}: revoke or issue did not run (state ${state}) ${why.slice(0, 800)} calls ${calls.map((x) => x.method).join(',')}`,
      );
    }
    const doneAt = Math.max(revoke.end, issue.end);
    const logAtDone = Math.max(revoke.logEnd, issue.logEnd);
    const log = idp.log();
    const upToDone = log.slice(0, logAtDone);
    const execWrites = exec.reduce(
      (n, x) => n + log.slice(x.logStart, x.logEnd).filter((e) => isWrite(e.method)).length,
      0,
    );
    const chain = calls
      .filter((x) => CHAIN.has(x.method) && x.start < revoke.start)
      .concat(exec)
      .flatMap((x) => chainOf(idpName, x.method, log.slice(x.logStart, x.logEnd)));
    const ms = doneAt - t0;
    // The gate's own part: store statements (outside transactions) and transactions up to "issued and
    // revoked", and the time no IdP call was in flight.
    const before = storeOps.filter((o) => o.start < doneAt && !o.inTx);
    const inFlight = calls.filter((x) => x.start < doneAt);
    let idle = 0;
    let cursor = t0;
    for (const x of [...inFlight].sort((a, b) => a.start - b.start)) {
      if (x.start > cursor) idle += x.start - cursor;
      cursor = Math.max(cursor, x.end ?? x.start);
    }
    if (doneAt > cursor) idle += doneAt - cursor;
    // The observer reports asynchronously: let it deliver the interval's entries first.
    await new Promise((resolve) => setImmediate(resolve));
    const gcs = gcPauses.filter((g) => g.start >= t0 && g.start < doneAt);
    return {
      store: kind,
      idp: idpName,
      load1: l,
      state,
      msToIssuedAndRevoked: round(ms, 1),
      msToCompleted: round(completed - t0, 1),
      msRecordApprovalReturned: round(returned - t0, 1),
      collectedBySubject: claimed,
      idpCallsToIssuedAndRevoked: upToDone.length + (idp.tokenRequests ? 0 : 0),
      idpCallsToCompleted: log.length,
      tokenRequests: idp.tokenRequests?.() ?? null,
      countDelta: idp.count() - countBefore,
      unavoidable: chain.length,
      chain: chain.map(([step, why]) => `${step}: ${why}`),
      writes: execWrites,
      ratio: round(ms / (chain.length * LATENCY), 2),
      ratioToWrites: round(ms / (execWrites * LATENCY), 2),
      ratioToAllCallsSequential: round(ms / (upToDone.length * LATENCY), 2),
      portCalls: calls.map((x) => `${x.method}:${x.logEnd - x.logStart}`),
      // When each port call ran, in ms from the approval (where the gate's own time goes).
      timeline: calls.map(
        (x) => `${x.method} ${round(x.start - t0, 0)}-${round((x.end ?? x.start) - t0, 0)}`,
      ),
      requests: upToDone.map((e) => `${e.method} ${e.path}`),
      // The gate's own time to "issued and revoked": ms with no IdP call in flight, and the store work in it.
      msGateOwn: round(idle, 1),
      storeStatements: before.filter((o) => o.op !== 'TRANSACTION').length,
      storeTransactions: before.filter((o) => o.op === 'TRANSACTION').length,
      storeTimeline: before.map(
        (o) =>
          `${o.op} ${round(o.start - t0, 0)}-${round((o.end ?? o.start) - t0, 0)}${o.body === undefined ? '' : ` (body from ${round(o.body - t0, 1)})`}`,
      ),
      // GC pauses in the interval (they stop the gate, the adapter and the emulator alike).
      gcMs: round(
        gcs.reduce((n, g) => n + g.ms, 0),
        1,
      ),
      gc: gcs.map(
        (g) =>
          `${g.kind === 1 ? 'minor' : g.kind === 4 ? 'incremental' : g.kind === 2 ? 'major' : g.kind} ${round(g.start - t0, 0)} ${round(g.ms, 1)}ms`,
      ),
      // The statements inside those transactions (one round trip each on PostgreSQL).
      storeTimelineInTx: storeOps
        .filter((o) => o.start < doneAt && o.inTx)
        .map((o) => `${o.op} ${round(o.start - t0, 1)}-${round((o.end ?? o.start) - t0, 1)}`),
    };
  } finally {
    await idp.close();
  }
}

async function main() {
  const args = parseArgs();
  const runs = Number(args.runs ?? (args.quick ? 1 : 5));
  const idps = typeof args.idps === 'string' ? args.idps.split(',') : IDPS;
  const all = [];
  const targets = [];
  const summary = {};
  for (const kind of args.stores) {
    for (const idpName of idps) {
      const { store, dispose } = await throwawayStore(kind, gateLib.openStore);
      const rs = [];
      try {
        for (let r = 0; r < runs; r += 1) {
          try {
            const res = await oneRun(kind, idpName, store, r === 0);
            rs.push(res);
            note(
              `e2e ${idpName}/${kind} run ${r + 1}: ${res.msToIssuedAndRevoked} ms, ${res.idpCallsToIssuedAndRevoked} calls (${res.writes} writes), chain ${res.unavoidable} rounds, ratio ${res.ratio} (to writes ${res.ratioToWrites}, to all calls ${res.ratioToAllCallsSequential})`,
            );
          } catch (error) {
            note(`e2e ${idpName}/${kind} run ${r + 1} FAILED: ${error?.message ?? error}`);
            rs.push({ store: kind, idp: idpName, error: String(error?.message ?? error) });
          }
        }
      } finally {
        await dispose();
      }
      all.push(...rs);
      const ok = rs.filter((x) => !x.error);
      const ms = median(ok.map((x) => x.msToIssuedAndRevoked));
      const ratio = median(ok.map((x) => x.ratio));
      const calls = median(ok.map((x) => x.idpCallsToIssuedAndRevoked));
      const unavoidable = median(ok.map((x) => x.unavoidable));
      summary[`${idpName}/${kind}`] = {
        ms: round(ms, 1),
        calls,
        writes: median(ok.map((x) => x.writes)),
        unavoidable,
        chain: ok[0]?.chain ?? [],
        ratio: round(ratio, 2),
        ratioToWrites: round(median(ok.map((x) => x.ratioToWrites)), 2),
        ratioToAllCallsSequential: round(median(ok.map((x) => x.ratioToAllCallsSequential)), 2),
        msToCompleted: round(median(ok.map((x) => x.msToCompleted)), 1),
        idpCallsToCompleted: median(ok.map((x) => x.idpCallsToCompleted)),
        okRuns: ok.length,
        runs,
      };
      targets.push({
        name: `[${idpName}/${kind}] ${round(ms, 0)} ms, ${calls} IdP calls, chain of ${unavoidable} unavoidable sequential calls x 50 ms; ratio (<= 1.10)`,
        value: round(ratio, 2),
        target: 1.1,
        pass: ok.length > 0 && ratio <= 1.1,
      });
    }
  }
  emit({
    id: 'e2e',
    title: '3. End-to-end execution per IdP (50 ms per IdP call)',
    latencyMs: LATENCY,
    runs,
    summary,
    targets,
    detail: all,
  });
}

await main();
