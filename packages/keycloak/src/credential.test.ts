import type { Channel, SubjectFacts } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmulatorPair, startTestEnvironment } from '../testing/index.js';
import { createProvider } from './index.js';

let pair: EmulatorPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

const mailbox = (facts: SubjectFacts): Channel =>
  (facts.channels ?? []).find((c) => c.id === 'email:primary') as Channel;

async function setup(): Promise<{ p: EmulatorPair; facts: SubjectFacts }> {
  pair = await startTestEnvironment({ createProvider });
  return { p: pair, facts: await pair.adapter.readSubjectFacts('alice') };
}

describe('temporary credential (execute-actions-email)', () => {
  it('sends one link with the tier lifespan and a one-time action, to the verified account email only', async () => {
    const { p, facts } = await setup();
    const issued = await p.adapter.issueTemporaryCredential(facts.userId, {
      lifetimeSeconds: 900,
      singleUse: true,
      action: 'password_reset',
      deliverTo: mailbox(facts),
    });
    expect(issued).toMatchObject({
      kind: 'keycloak_action_link',
      delivery: 'idp',
      secret: null,
      deliveredTo: 'email:primary',
      singleUse: true,
    });
    const [mail, ...rest] = p.emu.control.outbox();
    expect(rest).toEqual([]);
    expect(mail?.to).toBe('alice@example.com');
    expect(mail?.actions).toEqual(['UPDATE_PASSWORD']);
    expect(((mail?.expiresAt ?? 0) - (mail?.sentAt ?? 0)) / 1000).toBeCloseTo(900, -1);
    const put = p.emu.control.exchanges().find((x) => x.path.endsWith('/execute-actions-email'));
    expect(new URLSearchParams(put?.query).get('lifespan')).toBe('900');
    expect(put?.requestBody).toEqual(['UPDATE_PASSWORD']);
  });

  it('makes mfa_reset links single-use through CONFIGURE_TOTP', async () => {
    const { p, facts } = await setup();
    await p.adapter.issueTemporaryCredential(facts.userId, {
      lifetimeSeconds: 600,
      singleUse: true,
      action: 'mfa_reset',
      deliverTo: mailbox(facts),
    });
    expect(p.emu.control.outbox()[0]?.actions).toEqual(['CONFIGURE_TOTP']);
    expect(await p.probes.signInWithTemporaryCredential(facts.userId, null)).toBe(true);
    expect(await p.probes.signInWithTemporaryCredential(facts.userId, null)).toBe(false);
  });

  it('never sets a password (no temporary password that does not expire)', async () => {
    const { p, facts } = await setup();
    await p.adapter.issueTemporaryCredential(facts.userId, {
      lifetimeSeconds: 600,
      singleUse: true,
      action: 'password_reset',
      deliverTo: mailbox(facts),
    });
    expect(p.emu.control.exchanges().some((x) => x.path.endsWith('/reset-password'))).toBe(false);
  });

  it('refuses a channel Keycloak cannot deliver to, an unverified mailbox, or a reusable link, sending nothing', async () => {
    const { p, facts } = await setup();
    const phone = (facts.channels ?? []).find((c) => c.kind === 'phone') as Channel;
    const other: Channel = {
      ...mailbox(facts),
      id: 'email:personal',
      value: 'alice.personal@example.net',
      isAccountMailbox: false,
    };
    for (const deliverTo of [phone, other]) {
      await expect(
        p.adapter.issueTemporaryCredential(facts.userId, {
          lifetimeSeconds: 600,
          singleUse: true,
          action: 'mfa_reset',
          deliverTo,
        }),
      ).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
    }
    await expect(
      p.adapter.issueTemporaryCredential(facts.userId, {
        lifetimeSeconds: 600,
        singleUse: false,
        action: 'mfa_reset',
        deliverTo: mailbox(facts),
      }),
    ).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
    const alice = p.emu.control.realm.users.get(facts.userId);
    if (alice !== undefined) alice.emailVerified = false;
    await expect(
      p.adapter.issueTemporaryCredential(facts.userId, {
        lifetimeSeconds: 600,
        singleUse: true,
        action: 'mfa_reset',
        deliverTo: mailbox(facts),
      }),
    ).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
    expect(p.emu.control.outbox()).toEqual([]);
  });

  it('a link stops working when the account email changes (the token is bound to it)', async () => {
    const { p, facts } = await setup();
    await p.adapter.issueTemporaryCredential(facts.userId, {
      lifetimeSeconds: 600,
      singleUse: true,
      action: 'mfa_reset',
      deliverTo: mailbox(facts),
    });
    const alice = p.emu.control.realm.users.get(facts.userId);
    if (alice !== undefined) alice.email = 'attacker@example.org';
    expect(await p.probes.signInWithTemporaryCredential(facts.userId, null)).toBe(false);
  });

  it('revokes early by disabling the account (no revoke endpoint exists), recording when', async () => {
    const { p, facts } = await setup();
    const issued = await p.adapter.issueTemporaryCredential(facts.userId, {
      lifetimeSeconds: 600,
      singleUse: true,
      action: 'mfa_reset',
      deliverTo: mailbox(facts),
    });
    await p.adapter.revokeTemporaryCredential(facts.userId, issued);
    const alice = p.emu.control.realm.users.get(facts.userId);
    expect(alice?.enabled).toBe(false);
    expect(alice?.attributes.recoveryLinkRevokedAt?.[0]).toMatch(/^\d{4}-/);
    expect(await p.probes.signInWithTemporaryCredential(facts.userId, null)).toBe(false);
    await expect(
      p.adapter.revokeTemporaryCredential(facts.userId, { kind: 'okta_tac', id: null }),
    ).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
  });

  it('learns from its own admin event whether a send went out, and says it cannot tell when admin events are off', async () => {
    const { p, facts } = await setup();
    const before = new Date(p.emu.control.now() - 1000).toISOString();
    const sentSince = p.adapter.credentialSentSince;
    if (!sentSince) throw new Error('the Keycloak adapter reads its sends');
    expect(await sentSince(facts.userId, before)).toBe(false);
    await p.adapter.issueTemporaryCredential(facts.userId, {
      lifetimeSeconds: 900,
      singleUse: true,
      action: 'mfa_reset',
      deliverTo: mailbox(facts),
    });
    expect(await sentSince(facts.userId, before)).toBe(true);
    // Another user's send, or one before `since`, is not this one.
    const bob = await p.adapter.readSubjectFacts('bob');
    expect(await sentSince(bob.userId, before)).toBe(false);
    p.emu.control.advanceClock(60_000);
    expect(await sentSince(facts.userId, new Date(p.emu.control.now()).toISOString())).toBe(false);
    p.emu.control.realm.settings.adminEventsEnabled = false;
    await expect(sentSince(facts.userId, before)).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
  });
});

describe('temporary credential shown by the gate (temporary password)', () => {
  it('with no channel named, mails nothing and returns a password that signs in once, forcing a new one', async () => {
    const { p, facts } = await setup();
    const issued = await p.adapter.issueTemporaryCredential(facts.userId, {
      lifetimeSeconds: 900,
      singleUse: true,
      action: 'mfa_reset',
    });
    expect(issued).toMatchObject({ kind: 'keycloak_temporary_password', delivery: 'gate', singleUse: true });
    expect(p.emu.control.outbox()).toEqual([]);
    const user = p.emu.control.realm.users.get(facts.userId);
    expect(user?.requiredActions).toEqual(expect.arrayContaining(['UPDATE_PASSWORD', 'CONFIGURE_TOTP']));
    const secret = issued.secret?.reveal() ?? '';
    expect(secret.length).toBeGreaterThanOrEqual(24);
    expect(JSON.stringify(issued)).not.toContain(secret);
    expect(await p.probes.signInWithTemporaryCredential(facts.userId, secret)).toBe(true);
    expect(await p.probes.signInWithTemporaryCredential(facts.userId, secret)).toBe(false);
  });

  it('revoking replaces the password by one nobody knows, also one chosen with the temporary password', async () => {
    const { p, facts } = await setup();
    const options = { lifetimeSeconds: 900, singleUse: true, action: 'password_reset' } as const;
    const unused = await p.adapter.issueTemporaryCredential(facts.userId, options);
    await p.adapter.revokeTemporaryCredential(facts.userId, unused);
    expect(await p.probes.signInWithTemporaryCredential(facts.userId, unused.secret?.reveal() ?? '')).toBe(
      false,
    );
    const user = p.emu.control.realm.users.get(facts.userId);
    expect(user?.enabled).toBe(true);
    expect(user?.requiredActions).toContain('UPDATE_PASSWORD');

    const used = await p.adapter.issueTemporaryCredential(facts.userId, options);
    expect(await p.probes.signInWithTemporaryCredential(facts.userId, used.secret?.reveal() ?? '')).toBe(
      true,
    );
    const chosen = () =>
      p.emu.control.realm.users.get(facts.userId)?.credentials.find((c) => c.type === 'password')?.secret;
    const before = chosen();
    await p.adapter.revokeTemporaryCredential(facts.userId, used);
    expect(chosen()).not.toBe(before);
  });
});
