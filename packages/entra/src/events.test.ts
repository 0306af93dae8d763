import type { NormalizedEvent, RecoveryProvider } from '@recovery-gate/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmuAudit } from '../emulator/state.js';
import { startTestEnvironment } from '../testing/harness.js';

type Env = Awaited<ReturnType<typeof startTestEnvironment>>;
const open: Env[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((env) => env.close()));
});

async function start(options: Parameters<typeof startTestEnvironment>[0] = {}): Promise<Env> {
  const env = await startTestEnvironment(options);
  open.push(env);
  return env;
}

async function drain(adapter: RecoveryProvider, stream: string, cursor: string | null, since?: string) {
  const events: NormalizedEvent[] = [];
  let pages = 0;
  let current = cursor;
  for (;;) {
    const page = await adapter.readEvents(stream, current, since === undefined ? undefined : { since });
    pages += 1;
    events.push(...page.events);
    current = page.cursor;
    if (!page.more) return { events, cursor: current, pages };
  }
}

function audit(id: string, at: string, activity: string, extra: Partial<EmuAudit> = {}): EmuAudit {
  return {
    id,
    category: 'UserManagement',
    correlationId: id,
    result: 'success',
    resultReason: '',
    activityDisplayName: activity,
    activityDateTime: at,
    loggedByService: 'Core Directory',
    operationType: 'Update',
    initiatedBy: {
      user: {
        id: 'agent-1',
        displayName: 'Agent',
        userPrincipalName: 'agent@example.com',
        ipAddress: '203.0.113.1',
      },
    },
    targetResources: [
      {
        id: 'user-1',
        displayName: 'User',
        type: 'User',
        userPrincipalName: 'user@example.com',
        modifiedProperties: [],
      },
    ],
    additionalDetails: [],
    ...extra,
  };
}

describe('directory_audits polling', () => {
  it('reads 2,100 records across pages (of 999) once each, then the cursor is stable', async () => {
    const env = await start();
    const base = env.emulator.control.now();
    const since = new Date(base - 3_600_000).toISOString();
    for (let i = 0; i < 2100; i += 1) {
      env.emulator.control.tenant.audits.push(
        audit(`a-${i}`, new Date(base - 3_000_000 + i * 1000).toISOString(), 'Reset password (by admin)'),
      );
    }
    const first = await drain(env.adapter, 'directory_audits', null, since);
    expect(first.pages).toBeGreaterThanOrEqual(3);
    const ids = first.events.filter((e) => e.id.startsWith('a-')).map((e) => e.id);
    expect(ids).toHaveLength(2100);
    expect(new Set(ids).size).toBe(2100);
    expect(first.events.every((e) => e.kind === 'native_password_reset' && e.actor.id === 'agent-1')).toBe(
      true,
    );
    const again = await drain(env.adapter, 'directory_audits', first.cursor);
    expect(again.events).toEqual([]);
    expect(again.cursor).toBe(first.cursor);
  });

  it('keeps the cursor small while paging: only ids inside the overlap window are remembered', async () => {
    const env = await start();
    const base = env.emulator.control.now();
    const since = new Date(base - 3_600_000).toISOString();
    for (let i = 0; i < 2100; i += 1) {
      env.emulator.control.tenant.audits.push(
        audit(`b-${i}`, new Date(base - 3_000_000 + i * 1000).toISOString(), 'Reset password (by admin)'),
      );
    }
    const remembered = (cursor: string) =>
      (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { seen: unknown[] }).seen.length;
    let cursor: string | null = null;
    const sizes: number[] = [];
    for (;;) {
      const page = await env.adapter.readEvents('directory_audits', cursor, { since });
      cursor = page.cursor;
      sizes.push(remembered(cursor));
      if (!page.more) break;
    }
    // Records are a second apart and the overlap is 900 s: an id and an operation key for each of the last
    // ~900 records at most, on every page (it used to grow with the whole backlog: 999, 1,998, ...).
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2 * 902);
  });

  it('catches a late record inside the overlap window exactly once', async () => {
    const env = await start();
    const now = env.emulator.control.now();
    const tenant = env.emulator.control.tenant;
    tenant.audits.push(audit('newest', new Date(now - 1000).toISOString(), 'Admin deleted security info'));
    const first = await drain(env.adapter, 'directory_audits', null);
    expect(first.events.map((e) => e.id)).toContain('newest');
    tenant.audits.push(
      audit('late', new Date(now - 120_000).toISOString(), 'Admin registered security info', {
        resultReason: 'Admin registered temporary access pass method for user',
      }),
    );
    const second = await drain(env.adapter, 'directory_audits', first.cursor);
    expect(second.events.map((e) => [e.id, e.kind])).toEqual([['late', 'native_temporary_credential']]);
    const third = await drain(env.adapter, 'directory_audits', second.cursor);
    expect(third.events).toEqual([]);
  });

  it('matches every activity variant and ignores what the gate app did itself', async () => {
    const env = await start();
    const now = env.emulator.control.now();
    const at = (i: number) => new Date(now - 600_000 + i * 1000).toISOString();
    const gate = {
      app: {
        appId: env.config.auth.clientId,
        displayName: 'Recovery Gate',
        servicePrincipalId: 'sp',
        servicePrincipalName: null,
      },
    };
    const cases: [string, Partial<EmuAudit>, string | null][] = [
      ['Reset password (by admin)', {}, 'native_password_reset'],
      ['Reset user password', {}, 'native_password_reset'],
      ['Reset password', {}, 'native_password_reset'],
      ['Admin started password reset', {}, 'native_password_reset'],
      ['Set force change user password', {}, 'native_password_reset'],
      [
        'Admin registered security info',
        { resultReason: 'Admin registered temporary access pass method for user' },
        'native_temporary_credential',
      ],
      [
        'Admin registered security info',
        { resultReason: 'Admin registered phone method for user' },
        'native_contact_changed',
      ],
      [
        'Admin registered security info',
        { resultReason: 'Admin registered FIDO2 security key method for user' },
        'native_authenticator_enrolled',
      ],
      [
        'Admin deleted security info',
        { resultReason: 'Admin deleted Microsoft Authenticator method for user' },
        'native_authenticator_reset',
      ],
      ['Update StsRefreshTokenValidFrom Timestamp', {}, 'native_sessions_revoked'],
      ['Enable account', {}, 'native_unlock'],
      [
        'Update user',
        {
          targetResources: [
            {
              id: 'user-1',
              displayName: 'U',
              type: 'User',
              userPrincipalName: 'u@example.com',
              modifiedProperties: [
                { displayName: 'mobilePhone', oldValue: '["+1 5550100"]', newValue: '["+1 5550199"]' },
              ],
            },
          ],
        },
        'native_contact_changed',
      ],
      ['Update user', {}, null],
      ['Add member to group', {}, null],
      ['Reset user password', { initiatedBy: gate }, null],
      [
        'Admin registered security info',
        { initiatedBy: gate, resultReason: 'Admin registered temporary access pass method for user' },
        null,
      ],
      ['Update StsRefreshTokenValidFrom Timestamp', { initiatedBy: gate }, null],
    ];
    cases.forEach(([activity, extra], i) => {
      env.emulator.control.tenant.audits.push(audit(`v-${i}`, at(i), activity, extra));
    });
    const { events } = await drain(env.adapter, 'directory_audits', null, at(-1));
    const kinds = new Map(events.map((e) => [e.id, e.kind]));
    cases.forEach(([activity, , kind], i) => {
      expect(kinds.get(`v-${i}`) ?? null, `${i}: ${activity}`).toBe(kind);
    });
  });
});

describe('one native operation, several audit records', () => {
  it('reports an admin password reset once although Entra writes two records for it', async () => {
    const env = await start();
    const alice = env.emulator.control.user('alice').id;
    const before = await drain(env.adapter, 'directory_audits', null);
    await env.probes.nativeReset?.(alice, 'password');
    const records = env.emulator.control.tenant.audits.filter((a) => a.targetResources[0]?.id === alice);
    expect(records.map((r) => r.activityDisplayName)).toEqual([
      'Admin started password reset',
      'Reset password (by admin)',
    ]);
    const { events } = await drain(env.adapter, 'directory_audits', before.cursor);
    expect(events.filter((e) => e.subject.userId === alice).map((e) => e.kind)).toEqual([
      'native_password_reset',
    ]);
  });
});

describe('group_delta', () => {
  it('catches up across pages on a new cursor, then reads only what changed', async () => {
    const env = await start({ syntheticUsers: 45, pageSize: 2 });
    const { adapter, emulator, probes } = env;
    await adapter.applyGuardrails(await adapter.planGuardrails());
    const users = [...emulator.control.tenant.users.values()].filter((u) =>
      u.userPrincipalName.startsWith('user'),
    );
    for (const user of users.slice(0, 42)) await probes.nativeRequest?.(user.id);
    const first = await drain(adapter, 'group_delta', null);
    expect(first.pages).toBeGreaterThan(1);
    const requested = first.events.filter((e) => e.kind === 'recovery_requested');
    expect(new Set(requested.map((e) => e.subject.userId)).size).toBe(42);
    expect(
      requested.every((e) => e.action === 'mfa_reset' && e.actor.id === emulator.control.user('frank').id),
    ).toBe(true);
    expect(new Set(requested.map((e) => e.id)).size).toBe(42);

    for (const user of users.slice(42)) await probes.nativeRequest?.(user.id);
    const second = await drain(adapter, 'group_delta', first.cursor);
    expect(second.events.map((e) => e.subject.userId).sort()).toEqual(
      users
        .slice(42)
        .map((u) => u.id)
        .sort(),
    );
    const replay = await drain(adapter, 'group_delta', first.cursor);
    expect(replay.events.map((e) => e.id).sort()).toEqual(second.events.map((e) => e.id).sort());
  });

  it('reports nothing before the request groups exist, then starts once they do', async () => {
    const env = await start();
    const empty = await env.adapter.readEvents('group_delta', null);
    expect(empty).toMatchObject({ events: [], more: false });
    await env.adapter.applyGuardrails(await env.adapter.planGuardrails());
    const alice = env.emulator.control.user('alice').id;
    await env.probes.nativeRequest?.(alice);
    const { events } = await drain(env.adapter, 'group_delta', empty.cursor);
    expect(events.map((e) => [e.kind, e.subject.userId])).toEqual([['recovery_requested', alice]]);
  });

  it('an agent withdrawing a request is read from the audit log; the gate clearing it is not', async () => {
    const env = await start();
    const { adapter, emulator, probes } = env;
    await adapter.applyGuardrails(await adapter.planGuardrails());
    const alice = emulator.control.user('alice').id;
    const bob = emulator.control.user('bob').id;
    await probes.nativeRequest?.(alice);
    await probes.nativeRequest?.(bob);
    const start0 = await drain(adapter, 'directory_audits', null);
    const group = [...emulator.control.tenant.groups.values()].find(
      (g) => g.displayName === 'recovery-request-mfa_reset',
    );
    const token = await emulator.control.agentToken('frank@example.com');
    const removed = await fetch(`${emulator.url}/v1.0/groups/${group?.id}/members/${alice}/$ref`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(removed.status).toBe(204);
    await adapter.clearRequestMarker(bob, 'mfa_reset');
    const { events } = await drain(adapter, 'directory_audits', start0.cursor);
    const withdrawn = events.filter((e) => e.kind === 'recovery_request_withdrawn');
    expect(withdrawn.map((e) => [e.subject.userId, e.action, e.actor.id])).toEqual([
      [alice, 'mfa_reset', emulator.control.user('frank').id],
    ]);
  });

  it('refuses an unknown stream and a foreign cursor with ERR_INPUT_INVALID', async () => {
    const env = await start();
    await expect(env.adapter.readEvents('system_log', null)).rejects.toMatchObject({
      code: 'ERR_INPUT_INVALID',
    });
    await expect(env.adapter.readEvents('directory_audits', 'not-a-cursor')).rejects.toMatchObject({
      code: 'ERR_INPUT_INVALID',
    });
    await expect(env.adapter.readEvents('group_delta', 'bm90LWpzb24')).rejects.toMatchObject({
      code: 'ERR_INPUT_INVALID',
    });
  });
});

describe('directory_audits: records Entra ingests late', () => {
  it('a record readable 400 s after it happened is read, though newer records were read before it landed', async () => {
    const env = await start();
    const { control } = env.emulator;
    const alice = control.user('alice').id;
    const bob = control.user('bob').id;
    const first = await drain(env.adapter, 'directory_audits', null);
    control.setAuditLatency(400_000);
    await env.probes.nativeReset?.(alice, 'password');
    control.setAuditLatency(0);
    control.advanceClock(350_000);
    await env.probes.nativeReset?.(bob, 'password');
    control.advanceClock(10_000);
    const early = await drain(env.adapter, 'directory_audits', first.cursor);
    expect(early.events.map((e) => e.subject.userId)).toEqual([bob]);
    control.advanceClock(41_000);
    const late = await drain(env.adapter, 'directory_audits', early.cursor);
    expect(
      late.events.filter((e) => e.kind === 'native_password_reset').map((e) => e.subject.userId),
    ).toEqual([alice]);
  });
});
