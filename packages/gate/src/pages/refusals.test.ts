import { describe, expect, it } from 'vitest';
import { get, openCase, usePagesFixture } from './pages.test-helper.js';
import { linkId, REPEATED_REFUSALS, whyRefused } from './refusals.js';

const fx = usePagesFixture();

/** The link.refused audit records, of one case or (undefined) of all. */
async function refusals(caseId?: string) {
  const rows = await fx.env.store.query(
    "SELECT case_id, actor, data FROM audit_records WHERE type = 'link.refused' ORDER BY seq",
  );
  return rows
    .filter((r) => caseId === undefined || r.case_id === caseId)
    .map((r) => ({
      caseId: r.case_id,
      actor: r.actor,
      data: JSON.parse(String(r.data)) as Record<string, unknown>,
    }));
}

describe('refused link uses are recorded', () => {
  it('a replayed approval link leaves an audit record naming the link, the case and why, never the token', async () => {
    const caseId = await openCase(fx);
    const erin = fx.idp.id('erin');
    const link = await fx.env.engine.createLink(caseId, erin, 'approve', 3600);
    await fx.env.engine.consumeLink(link.token, 'approve', erin);
    const replay = await get(fx, `/approve/${link.token}`);
    expect(replay.status).toBe(410);
    const records = await refusals(caseId);
    expect(records).toEqual([
      {
        caseId,
        actor: null,
        data: { link: linkId(link.token), purpose: 'approve', reason: 'used', person: null },
      },
    ]);
    const chain = await fx.env.store.query('SELECT data FROM audit_records');
    expect(chain.some((r) => String(r.data).includes(link.token))).toBe(false);
    expect(fx.metrics.render()).toContain('recovery_links_refused_total{purpose="approve",reason="used"} 1');
  });

  it('an expired link and an unknown link are recorded with their reasons', async () => {
    const caseId = await openCase(fx);
    const link = await fx.env.engine.createLink(caseId, fx.idp.id('alice'), 'verify', 60);
    fx.clock.now = new Date(fx.clock.now.getTime() + 120_000);
    expect((await get(fx, `/verify/${link.token}`)).status).toBe(410);
    expect((await get(fx, `/approve/${'x'.repeat(43)}`)).status).toBe(410);
    const records = await refusals();
    expect(records.map((r) => [r.caseId, r.data.reason, r.data.purpose])).toEqual([
      [caseId, 'expired', 'verify'],
      [null, 'unknown', 'approve'],
    ]);
  });

  it('a link tried by someone other than the person it was sent to is a wrong-person refusal', async () => {
    const caseId = await openCase(fx);
    const link = await fx.env.engine.createLink(caseId, fx.idp.id('erin'), 'approve', 3600);
    const other = await whyRefused(fx.env.store, link.token, 'approve', fx.idp.id('frank'), fx.clock.now);
    expect(other).toEqual({ reason: 'wrong_person', caseId });
  });

  it(`${REPEATED_REFUSALS} refused uses on one case alert security once`, async () => {
    const caseId = await openCase(fx);
    const erin = fx.idp.id('erin');
    const link = await fx.env.engine.createLink(caseId, erin, 'approve', 3600);
    await fx.env.engine.consumeLink(link.token, 'approve', erin);
    const alerts = () => fx.env.sent.filter((n) => n.to.kind === 'security' && n.subject.includes('refused'));
    for (let i = 1; i < REPEATED_REFUSALS; i += 1) await get(fx, `/approve/${link.token}`);
    expect(alerts()).toHaveLength(0);
    await get(fx, `/approve/${link.token}`);
    await get(fx, `/approve/${link.token}`);
    expect(alerts()).toHaveLength(1);
    expect(alerts()[0]?.text).toContain(caseId);
    expect(alerts()[0]?.text).not.toContain(link.token);
  });
});
