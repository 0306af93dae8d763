/**
 * The break-glass story: during an outage ivan, the incident commander, asks for emergency access for
 * carol (the on-call admin, locked out). The tier names its authorizers in advance (sara and erin); sam is in
 * the security team but not named, and is refused. Two named authorizers approve, carol gets a one-time
 * credential, and when the window ends the gate revokes the credential, her sessions and refresh tokens.
 * A post-event review opens in the console: sara, an authorizer, may not close it; sam, who took no part,
 * closes it.
 * @module
 */

import { isGateError, type NormalizedEvent, type PolicyInput } from '@recovery-gate/core';
import { closeReview, inGroups, listReviews } from '../reviews/index.js';
import { collect, type ScenarioContext, type ScenarioResult, stateOf, waitForCase } from './scenarios.js';
import type { DemoTenant } from './tenants.js';

/** The demo's break-glass window: seconds instead of the baseline's 2 hours, so the revocation shows. */
export const DEMO_BREAK_GLASS_WINDOW = '15s';

/** The people the demo's break-glass tier names as its authorizers, on every tenant. */
const AUTHORIZERS = ['sara', 'erin'] as const;

/** The IdP ids of the named authorizers on every tenant (the tier names people, not a group). */
export async function breakGlassAuthorizers(tenants: readonly DemoTenant[]): Promise<string[]> {
  const ids: string[] = [];
  for (const t of tenants) for (const who of AUTHORIZERS) ids.push(await t.id(who));
  return ids;
}

/** Makes the demo policy's break-glass tier name `authorizers` and use the short window (in place). */
export function withDemoBreakGlass(input: PolicyInput, authorizers: readonly string[]): void {
  const tier = input.tiers.BREAK_GLASS;
  if (tier === undefined) return;
  tier.window = DEMO_BREAK_GLASS_WINDOW;
  if (authorizers.length > 0) tier.authorizers = authorizers.map((person) => ({ person }));
}

async function approve(ctx: ScenarioContext, id: string, who: string) {
  return ctx.gate.orchestrator.recordApproval(id, {
    approverId: await ctx.tenant.id(who),
    role: 'break_glass_authorizer',
    decision: 'approve',
    reason: 'INC-4711: database outage, carol is the on-call DBA',
  });
}

async function refusedCode(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ACCEPTED';
  } catch (error) {
    return isGateError(error) ? error.code : 'failed';
  }
}

/** The story. */
export async function breakGlassCarol(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = `break-glass: emergency access for carol, two named authorizers, a ${DEMO_BREAK_GLASS_WINDOW} window (2 h in the baseline), reviewed`;
  const { tenant, say, gate } = ctx;
  const carol = await tenant.id('carol');
  say(
    'ivan (incident commander) asks at the gate for emergency access for carol, the on-call admin locked out during an outage',
  );
  const event: NormalizedEvent = {
    id: `demo-${tenant.idp}-break-glass-${Date.now()}`,
    idp: tenant.idp,
    kind: 'recovery_requested',
    sourceType: 'emergency access requested at the gate',
    occurredAt: new Date().toISOString(),
    actor: { id: await tenant.id('ivan'), type: 'user', displayName: 'ivan' },
    subject: { userId: carol, login: null },
    action: 'emergency_access',
    authenticatorKind: null,
  };
  await gate.orchestrator.handleEvent(event);
  const opened = await waitForCase(ctx, 'carol', 'recovery');
  await stateOf(ctx, opened.id, ['verifying']);
  const refused = await refusedCode(() => approve(ctx, opened.id, 'sam'));
  say(`sam (security team, not a named authorizer) tries to approve: ${refused}`);
  for (const who of AUTHORIZERS) {
    say(`${who} (named authorizer) approves: "INC-4711"`);
    await approve(ctx, opened.id, who);
  }
  const outcome = await collect(ctx, opened.id, 'carol');
  const done = await stateOf(ctx, opened.id, ['completed']);
  const session = await tenant.probes.mintSession(carol);
  say(`carol signs in and works the incident; the window ends ${DEMO_BREAK_GLASS_WINDOW} after the request`);
  const closed = await ctx.until(
    'the break-glass window to close',
    async () => {
      await gate.orchestrator.tick();
      const c = await gate.orchestrator.getCase(opened.id);
      return c?.journal.find((j) => j.step === 'window_closed' && j.state === 'done');
    },
    60_000,
  );
  // Entra applies revokeSignInSessions within a few minutes: let that pass before looking.
  await tenant.probes.awaitRevocation?.();
  const sessionWorks = await tenant.probes.refreshTokenWorks(session.refreshToken);
  say(
    `the window closed: credential, sessions and refresh tokens revoked (her refresh token is ${sessionWorks ? 'STILL ACCEPTED' : 'refused'})`,
  );
  const review = await ctx.until('the post-event review', async () => {
    const [r] = await listReviews(gate.store, { caseId: opened.id }, new Date());
    return r;
  });
  say(
    `review ${review.id.slice(0, 8)} opened (${review.kind}), assigned to ${review.reviewerGroup}, due ${review.dueAt}: open in the console at /reviews/${review.id}`,
  );
  const provider = gate.providers.get(tenant.idp);
  const deps = {
    store: gate.store,
    audit: gate.audit,
    notifier: gate.notifier,
    metrics: gate.metrics,
    now: () => new Date(),
  };
  const reviewer = (who: string) => inGroups(provider, who, ['SecurityTeam']);
  const byAuthorizer = await refusedCode(() =>
    tenant
      .id('sara')
      .then((sara) =>
        closeReview(deps, review.id, { by: sara, outcome: 'legitimate', note: 'I approved it' }, reviewer),
      ),
  );
  say(`sara (an authorizer) tries to close the review: ${byAuthorizer}`);
  const final = await closeReview(
    deps,
    review.id,
    {
      by: await tenant.id('sam'),
      outcome: 'legitimate',
      note: 'INC-4711 confirmed; access used for the failover only.',
    },
    reviewer,
  );
  say(`sam (security, no part in the case) closes the review: ${final.outcome}`);
  return {
    title,
    caseId: opened.id,
    outcome: `${outcome}; access ended when the window closed (${String(closed.result.windowEnded ?? '')}), refresh token ${sessionWorks ? 'STILL ACCEPTED' : 'refused'}; review closed by sam as ${final.outcome}`,
    ok:
      refused === 'ERR_APPROVER_NOT_ELIGIBLE' &&
      done.state === 'completed' &&
      !sessionWorks &&
      byAuthorizer === 'ERR_SEPARATION_OF_DUTIES' &&
      final.state === 'closed' &&
      !outcome.includes('FAILS') &&
      !outcome.includes('ACCEPTED'),
  };
}
