/**
 * "This wasn't me" after the recovery ran (issue 21 item 1, issue 20 item 6). The attacker knows alice's
 * password, talks the help desk into an MFA reset, claims the temporary credential and binds their own
 * authenticator; alice repudiates from the link in the completion notice. The emulator is the oracle: the
 * attacker's password-plus-factor sign-in works before and is refused after, their authenticator is gone.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { addressOf, collect, openFor, proveStandard } from './helpers.js';
import { IDPS, startWorld, type World } from './world.js';

/** Every emulator seeds its cast with this password; here the attacker phished it. */
const PASSWORD = 'Demo-Passw0rd!';
const DAY = 86_400_000;

describe.each(IDPS)('repudiation on %s', { timeout: 240_000 }, (idp) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  }, 120_000);

  /** Runs alice's recovery to completion as the attacker; returns the case id. */
  async function attackerRecovers(w: World): Promise<string> {
    const id = await openFor(w, 'alice');
    await proveStandard(w, id, 'alice');
    await collect(w, id, 'alice');
    return id;
  }

  it('locks the attacker out: their authenticator is removed, the password reset, an incident opened', async () => {
    world = await startWorld(idp);
    const w = world;
    const alice = await w.id('alice');
    const { enrollAuthenticator, signInWithPassword } = w.probes;
    if (!enrollAuthenticator || !signInWithPassword) throw new Error(`${idp} harness lacks attacker probes`);
    const id = await attackerRecovers(w);
    w.advance(60_000);
    const factor = await enrollAuthenticator(alice);
    expect((await w.adapter.readSubjectFacts(alice)).authenticators?.some((a) => a.id === factor)).toBe(true);
    // A second factor signed in: Okta and Entra say `mfa`; Keycloak names the steps (`pwd`, `otp`).
    expect((await signInWithPassword(alice, PASSWORD))?.some((v) => v === 'mfa' || v === 'otp')).toBe(true);
    const app = await w.probes.mintSession(alice);

    const mailbox = await addressOf(w, 'alice', 'email', true);
    const token = w.linkTo(mailbox, 'cancel');
    const link = await w.engine.consumeLink(token, 'cancel', alice);
    expect(link.caseId).toBe(id);
    await w.engine.cancel(id, { by: alice, reason: "subject: this wasn't me" });

    // The emulator's state: the attacker's password and factor no longer sign in.
    expect(await signInWithPassword(alice, PASSWORD)).toBeNull();
    const after = await w.adapter.readSubjectFacts(alice);
    expect(after.authenticators?.some((a) => a.id === factor)).toBe(false);
    await w.probes.awaitRevocation?.();
    expect(await w.probes.refreshTokenWorks(app.refreshToken)).toBe(false);
    expect(await w.probes.sessionActive(app.sessionId)).toBe(false);

    expect((await w.engine.getCase(id))?.state).toBe('repudiated');
    const [incident] = await w.engine.listCases({ kind: 'incident', subjectId: alice });
    expect(incident?.reason).toBe(`repudiation:${id}`);
    expect(incident?.state).toBe('executing');
    const journal = (await w.engine.getCase(incident?.id ?? ''))?.journal ?? [];
    const done = journal.filter((j) => j.state === 'done').map((j) => j.step);
    expect(done).toEqual(
      expect.arrayContaining(['revoke_credential', 'remove_new', 'reset_password', 'revoke', 'alert']),
    );
    expect(journal.find((j) => j.step === 'remove_new')?.result.removed).toContain(factor);
    const alerts = w.sent.filter(
      (n) => n.to.kind === 'security' && n.subject.startsWith('Completed recovery repudiated'),
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.text).toContain(incident?.id);

    // A second "this wasn't me" changes nothing; only the security team closes the incident.
    await w.engine.cancel(id, { by: alice, reason: 'again' });
    expect(await w.engine.listCases({ kind: 'incident', subjectId: alice })).toHaveLength(1);
    const close = (by: string) => w.engine.closeIncident(incident?.id ?? '', { by, reason: 'reviewed' });
    await expect(close(alice)).rejects.toMatchObject({ code: 'ERR_SEPARATION_OF_DUTIES' });
    await expect(close(await w.id('frank'))).rejects.toMatchObject({ code: 'ERR_APPROVER_NOT_ELIGIBLE' });
    await w.engine.tick();
    expect((await w.engine.getCase(incident?.id ?? ''))?.state).toBe('executing');
    await close(await w.id('sam'));
    expect((await w.engine.getCase(incident?.id ?? ''))?.state).toBe('completed');
  });

  it('every completion notice carries its own single-use "this wasn\'t me" link that lives 7 days', async () => {
    world = await startWorld(idp);
    const w = world;
    const alice = await w.id('alice');
    const id = await attackerRecovers(w);
    // Every channel on file when the case opened (an MFA reset may remove phone and email methods).
    const onFile = (await w.engine.getCase(id))?.facts?.channels ?? [];
    expect(onFile.length).toBeGreaterThan(0);
    const notices = w.sent.filter((n) => n.subject === 'Your account was recovered');
    expect(notices.map((n) => (n.to.kind === 'security' ? '' : n.to.address)).sort()).toEqual(
      onFile.map((ch) => ch.value).sort(),
    );
    const urls = notices.map((n) => n.links?.find((l) => l.label === "This wasn't me")?.url ?? '');
    expect(urls.every((u) => u.includes('/cancel/'))).toBe(true);
    expect(new Set(urls).size).toBe(urls.length);
    const tokens = urls.map((u) => u.slice(u.lastIndexOf('/') + 1));
    const rows = await w.store.query<{ expires_at: Date | string }>(
      'SELECT expires_at FROM links WHERE case_id = $1 AND purpose = $2',
      [id, 'cancel'],
    );
    const lives = rows.map((r) => new Date(r.expires_at).getTime() - w.clock.now.getTime());
    expect(Math.max(...lives)).toBeLessThanOrEqual(7 * DAY);
    expect(Math.max(...lives)).toBeGreaterThan(6 * DAY);

    // Past its lifetime a link is refused; within it, it works once.
    const [first = '', second = ''] = tokens;
    w.advance(7 * DAY - 60_000);
    await w.engine.consumeLink(first, 'cancel', alice);
    await expect(w.engine.consumeLink(first, 'cancel', alice)).rejects.toMatchObject({
      code: 'ERR_LINK_INVALID',
    });
    if (tokens.length > 1) {
      w.advance(120_000);
      await expect(w.engine.consumeLink(second, 'cancel', alice)).rejects.toMatchObject({
        code: 'ERR_LINK_INVALID',
      });
    }
  });
});
