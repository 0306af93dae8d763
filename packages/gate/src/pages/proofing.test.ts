import { describe, expect, it } from 'vitest';
import {
  cookieOf,
  csrfIn,
  get,
  openCase,
  post,
  sessionCookie,
  usePagesFixture,
} from './pages.test-helper.js';

const fx = usePagesFixture();

/** An approver session for `name` on the case, as a security_team link would leave it. */
async function officer(caseId: string, name: string): Promise<{ cookie: string; html: string }> {
  const cookie = await sessionCookie(fx, {
    sub: fx.idp.id(name),
    name,
    caseId,
    purpose: 'approve',
    role: 'security_team',
  });
  const page = await get(fx, `/approve/case/${caseId}`, cookie);
  expect(page.status).toBe(200);
  return { cookie: cookieOf(page) || cookie, html: await page.text() };
}

async function proof(caseId: string, who: { cookie: string; html: string }, document = 'passport') {
  return post(
    fx,
    `/approve/case/${caseId}/proofing`,
    { csrf: csrfIn(who.html), document, confirm: 'yes' },
    who.cookie,
  );
}

async function proofing(caseId: string) {
  return ((await fx.env.engine.getCase(caseId))?.evidence ?? []).filter(
    (e) => e.kind === 'supervised_proofing',
  );
}

describe('supervised in-person proofing on the approval page', () => {
  it('a security officer records it as themselves on the privileged tier, then does not approve', async () => {
    const caseId = await openCase(fx, 'carol');
    expect((await fx.env.engine.getCase(caseId))?.tier).toBe('T4');
    const sam = await officer(caseId, 'sam');
    expect(sam.html).toContain('Record the in-person check');

    const incomplete = await post(
      fx,
      `/approve/case/${caseId}/proofing`,
      { csrf: csrfIn(sam.html), document: 'library_card', confirm: 'yes' },
      sam.cookie,
    );
    expect(incomplete.status).toBe(400);
    expect((await proof(caseId, { ...sam, html: 'name="csrf" value="forged"' })).status).toBe(403);
    expect(await proofing(caseId)).toHaveLength(0);

    const done = await proof(caseId, sam);
    expect(done.status).toBe(200);
    const [evidence] = await proofing(caseId);
    expect(evidence?.personId).toBe(fx.idp.id('sam'));
    expect(evidence?.outcome).toBe('passed');
    expect(evidence?.data).toMatchObject({ method: 'in_person', document: 'passport' });

    const again = await officer(caseId, 'sam');
    expect(again.html).not.toContain('Record the in-person check');
    expect(again.html).toContain('so other officers approve');
    expect(again.html).not.toContain('Submit decision');
    const approval = await post(
      fx,
      `/approve/case/${caseId}`,
      { csrf: csrfIn(again.html), decision: 'approve', reason: 'met her' },
      again.cookie,
    );
    expect(approval.status).toBe(403);
    expect((await fx.env.engine.getCase(caseId))?.approvals).toHaveLength(0);
    // A second officer is not offered a second check.
    expect((await officer(caseId, 'sara')).html).not.toContain('Record the in-person check');
  });

  it('the subject, the requester and people outside the security team cannot record it', async () => {
    const caseId = await openCase(fx, 'carol');
    for (const name of ['carol', 'frank', 'erin']) {
      const who = await officer(caseId, name);
      // The subject and the requester are not even offered it; erin's link role is refused on the server.
      if (name !== 'erin') expect(who.html).not.toContain('Record the in-person check');
      const response = await proof(caseId, who);
      expect(response.status).toBe(403);
    }
    expect(await proofing(caseId)).toHaveLength(0);
  });

  it('is not offered where the tier does not count it', async () => {
    const caseId = await openCase(fx, 'alice');
    const sam = await officer(caseId, 'sam');
    expect(sam.html).not.toContain('Record the in-person check');
    expect((await proof(caseId, sam)).status).toBe(403);
    expect(await proofing(caseId)).toHaveLength(0);
  });
});
