import { describe, expect, it } from 'vitest';
import { hashToken } from '../orchestrator/links.js';
import { conflictOf, renewalOf } from './approve.js';
import { peekLink } from './links.js';
import {
  csrfIn,
  get as getAt,
  openCase,
  post as postAt,
  sessionCookie,
  usePagesFixture,
} from './pages.test-helper.js';

const HOUR = 3_600_000;
const fx = usePagesFixture();
const get = (path: string, cookie = '') => getAt(fx, path, cookie);
const post = (path: string, form: Record<string, string>, cookie = '') => postAt(fx, path, form, cookie);

describe('the approval page renews an approval that went stale', () => {
  it('its approver is told it is a renewal and renews with the CSRF token; others are refused', async () => {
    const caseId = await openCase(fx);
    const erin = fx.idp.id('erin');
    const approve = { approverId: erin, role: 'manager', decision: 'approve', reason: 'video call' } as const;
    await fx.env.engine.recordApproval(caseId, approve);
    const fresh = await fx.env.engine.getCase(caseId);
    if (!fresh) throw new Error('no case');
    const first = fresh.approvals[0]?.at ?? '';
    // While it counts, erin has decided already: refused before a link is used up, as ever.
    expect(conflictOf(fresh, erin)).toMatch(/already decided/);
    expect(renewalOf(fresh, erin)).toBeNull();

    // T2 counts an approval for 24 hours; alice proves her phone a day later, and erin is asked again.
    fx.clock.now = new Date(fx.clock.now.getTime() + 25 * HOUR);
    await fx.env.engine.recordEvidence(caseId, {
      kind: 'phone_otp',
      by: fx.idp.id('alice'),
      channelId: 'phone:mobile',
    });
    const c = await fx.env.engine.getCase(caseId);
    if (!c) throw new Error('no case');
    expect(c.state).toBe('verifying');
    expect(conflictOf(c, erin)).toBeNull();
    expect(renewalOf(c, erin)?.at).toBe(first);
    // Someone else has no approval of hers to renew; the subject and requester are refused as ever.
    expect(renewalOf(c, fx.idp.id('gina'))).toBeNull();
    expect(conflictOf(c, c.subjectId)).toMatch(/your own account/);
    expect(conflictOf(c, c.requesterId ?? '')).toMatch(/asked for this recovery/);

    const token = fx.env.linkTo('erin@example.com', 'approve');
    const cookie = await sessionCookie(fx, {
      sub: erin,
      name: 'erin',
      caseId,
      purpose: 'approve',
      role: 'manager',
      approveLink: hashToken(token),
    });
    const page = await get(`/approve/case/${caseId}`, cookie);
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('is older than this recovery');
    expect(text).toContain('Deciding again renews it.');
    const form = { decision: 'approve', reason: 'video call again' };
    expect((await post(`/approve/case/${caseId}`, { ...form, csrf: 'forged' }, cookie)).status).toBe(403);
    expect((await fx.env.engine.getCase(caseId))?.approvals.map((a) => a.at)).toEqual([first]);

    const ok = await post(`/approve/case/${caseId}`, { ...form, csrf: csrfIn(text) }, cookie);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Your renewed approval is recorded.');
    const done = await fx.env.engine.getCase(caseId);
    expect(done?.approvals.map((a) => [a.personId, a.at, a.reason])).toEqual([
      [erin, fx.clock.now.toISOString(), 'video call again'],
    ]);
    expect(done?.state).toBe('executing');
    expect(fx.idp.calls.map((x) => x.method)).toContain('revokeSessions');
    // The renewal spent the link it was made with.
    expect(await peekLink(fx.env.store, token, 'approve', fx.clock.now)).toBeNull();
  });

  it("another approver's session cannot renew erin's approval", async () => {
    const caseId = await openCase(fx);
    const erin = fx.idp.id('erin');
    await fx.env.engine.recordApproval(caseId, {
      approverId: erin,
      role: 'manager',
      decision: 'approve',
      reason: 'video call',
    });
    fx.clock.now = new Date(fx.clock.now.getTime() + 25 * HOUR);
    await fx.env.engine.recordEvidence(caseId, {
      kind: 'phone_otp',
      by: fx.idp.id('alice'),
      channelId: 'phone:mobile',
    });
    const token = fx.env.linkTo('erin@example.com', 'approve');
    // Gina holds erin's link in a session of her own: the page does not offer her a renewal, and the
    // engine refuses her (the manager is erin), leaving erin's link usable.
    const cookie = await sessionCookie(fx, {
      sub: fx.idp.id('gina'),
      name: 'gina',
      caseId,
      purpose: 'approve',
      role: 'manager',
      approveLink: hashToken(token),
    });
    const page = await get(`/approve/case/${caseId}`, cookie);
    const text = await page.text();
    expect(text).not.toContain('Deciding again renews it.');
    const refused = await post(
      `/approve/case/${caseId}`,
      { decision: 'approve', reason: 'looks fine', csrf: csrfIn(text) },
      cookie,
    );
    expect(refused.status).toBe(403);
    expect((await fx.env.engine.getCase(caseId))?.approvals.map((a) => a.personId)).toEqual([erin]);
    expect(await peekLink(fx.env.store, token, 'approve', fx.clock.now)).not.toBeNull();
  });
});
