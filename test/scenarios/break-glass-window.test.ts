import { baselinePolicyInput, type Policy, parsePolicy } from '@recovery-gate/core';
import {
  closeReview,
  createAuditLog,
  listReviews,
  REVIEW_MIGRATIONS,
  type ReviewSettings,
  sweepReviews,
} from '@recovery-gate/gate';
import { afterEach, describe, expect, it } from 'vitest';
import { collect } from './helpers.js';
import { startWorld, type World } from './world.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The baseline's break-glass tier (2h window) naming two people; `window` widens it (a later policy edit). */
function breakGlass(ids: readonly string[], window = '2h'): Policy {
  const tier = baselinePolicyInput.tiers.BREAK_GLASS;
  return parsePolicy({
    ...baselinePolicyInput,
    tiers: {
      ...baselinePolicyInput.tiers,
      BREAK_GLASS: { ...tier, window, authorizers: ids.map((person) => ({ person })) },
    },
  });
}

const REVIEWS: ReviewSettings = {
  reviewerGroups: ['SecurityTeam'],
  dueSeconds: 24 * 3600,
  remindSeconds: 3600,
};

/** Ticks the engine until `done` holds (each tick is one pass of the gate's loop), at most `rounds` times. */
async function tickUntil(w: World, done: () => Promise<boolean>, rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i += 1) {
    if (await done()) return;
    await w.engine.tick();
  }
  expect(await done()).toBe(true);
}

describe('break-glass: the window ends the access, the review stays open until an outside reviewer closes it', {
  timeout: 300_000,
}, () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  }, 120_000);

  it('keycloak: granted by the two named authorizers, revoked in the IdP at the window end across a restart', async () => {
    const w = await startWorld('keycloak');
    world = w;
    const [ivan, gina, carol] = [await w.id('ivan'), await w.id('gina'), await w.id('carol')];
    const policy = breakGlass([ivan, gina]);
    w.restart(undefined, policy);
    await w.engine.handleEvent(await w.request('carol', { action: 'emergency_access' }));
    const [opened] = await w.engine.listCases({ subjectId: carol, kind: 'recovery' });
    const id = opened?.id as string;
    expect(opened?.tier).toBe('BREAK_GLASS');
    const approve = (who: string) =>
      w.engine.recordApproval(id, {
        approverId: who,
        role: 'break_glass_authorizer',
        decision: 'approve',
        reason: 'incident 42: primary admin locked out',
      });
    // sam is on the security team, not a named authorizer of this tier: refused, and nothing counts.
    await expect(approve(await w.id('sam'))).rejects.toMatchObject({ code: 'ERR_APPROVER_NOT_ELIGIBLE' });
    await approve(ivan);
    expect((await w.engine.getCase(id))?.state).toBe('verifying');
    await approve(gina);
    await tickUntil(w, async () => (await w.engine.getCase(id))?.state === 'executing');
    const secret = await collect(w, id, 'carol');

    // The gate restarts mid-window, under a policy whose window was since widened to 24h: the case's
    // window, fixed when it was decided, still ends the access at 2h.
    w.advance(90 * MINUTE);
    w.restart(undefined, breakGlass([ivan, gina], '24h'));
    await w.engine.tick();
    expect((await w.engine.getCase(id))?.journal.some((j) => j.step === 'window_closed')).toBe(false);
    // Carol works under the emergency access: a session and a refresh token in the IdP (Keycloak's refresh
    // tokens live 30 minutes, so this one would outlive the window end if nothing revoked it).
    w.advance(10 * MINUTE);
    const session = await w.probes.mintSession(carol);
    expect(await w.probes.refreshTokenWorks(session.refreshToken)).toBe(true);

    w.advance(20 * MINUTE + 1000);
    await tickUntil(w, async () =>
      ((await w.engine.getCase(id))?.journal ?? []).some(
        (j) => j.step === 'window_closed' && j.state === 'done',
      ),
    );
    await w.probes.awaitRevocation?.();
    expect(await w.probes.refreshTokenWorks(session.refreshToken)).toBe(false);
    expect(await w.probes.sessionActive(session.sessionId)).toBe(false);
    expect(await w.probes.signInWithTemporaryCredential(carol, secret)).toBe(false);
    expect(
      w.sent.some((n) => n.to.kind === 'security' && n.subject.startsWith('Emergency access ended')),
    ).toBe(true);

    // The review: open (and overdue later) until a reviewer who took no part closes it.
    await w.store.migrate([...REVIEW_MIGRATIONS]);
    const deps = {
      store: w.store,
      audit: createAuditLog(w.store, () => w.clock.now),
      notifier: { send: async (n: (typeof w.sent)[number]) => void w.sent.push(n) },
      now: () => w.clock.now,
    };
    await sweepReviews(deps, REVIEWS, policy);
    const [review] = await listReviews(w.store, { caseId: id }, w.clock.now);
    expect(review?.state).toBe('open');
    const groupsOf = async (person: string) => (await w.adapter.readSubjectFacts(person)).groups ?? [];
    const isReviewer = async (person: string) => (await groupsOf(person)).includes('SecurityTeam');
    const close = (by: string) =>
      closeReview(
        deps,
        review?.id as string,
        { by, outcome: 'legitimate', note: 'incident 42 confirmed' },
        isReviewer,
      );
    await expect(close(await w.id('erin'))).rejects.toMatchObject({ code: 'ERR_APPROVER_NOT_ELIGIBLE' });
    // An authorizer of the case may not review it, even when put in the reviewer group.
    const ivanIsReviewer = async (person: string) => person === ivan || (await isReviewer(person));
    await expect(
      closeReview(
        deps,
        review?.id as string,
        { by: ivan, outcome: 'legitimate', note: 'mine' },
        ivanIsReviewer,
      ),
    ).rejects.toMatchObject({ code: 'ERR_SEPARATION_OF_DUTIES' });
    w.advance(25 * HOUR);
    await sweepReviews(deps, REVIEWS, policy);
    const overdue = await listReviews(w.store, { state: 'open', overdue: true }, w.clock.now);
    expect(overdue.map((r) => r.id)).toEqual([review?.id]);
    const closed = await close(await w.id('sara'));
    expect(closed.state).toBe('closed');
    expect(await listReviews(w.store, { state: 'open' }, w.clock.now)).toEqual([]);
  });

  it('keycloak: authorized in time but not collected before the window ends: nothing is issued', async () => {
    const w = await startWorld('keycloak');
    world = w;
    const [ivan, gina, carol] = [await w.id('ivan'), await w.id('gina'), await w.id('carol')];
    w.restart(undefined, breakGlass([ivan, gina]));
    await w.engine.handleEvent(await w.request('carol', { action: 'emergency_access' }));
    const [opened] = await w.engine.listCases({ subjectId: carol, kind: 'recovery' });
    const id = opened?.id as string;
    for (const who of [ivan, gina]) {
      await w.engine.recordApproval(id, {
        approverId: who,
        role: 'break_glass_authorizer',
        decision: 'approve',
        reason: 'incident 43',
      });
    }
    await tickUntil(w, async () => (await w.engine.getCase(id))?.state === 'executing');
    w.advance(2 * HOUR + 1000);
    await expect(w.engine.claimCredential(id, carol)).rejects.toMatchObject({ code: 'ERR_LINK_INVALID' });
    expect((await w.engine.getCase(id))?.journal.some((j) => j.step === 'issue')).toBe(false);
  });
});
