import type { AuditRecord } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import type { CaseView } from '../orchestrator/index.js';
import { formatTimeline } from './timeline.js';

const record = (seq: number, type: string, actor: string | null, data: AuditRecord['data']): AuditRecord => ({
  seq,
  at: `2026-11-22T03:59:0${seq}.100Z`,
  type,
  caseId: 'c-1',
  actor,
  data,
  prevHash: 'p',
  hash: 'h',
});

const view = {
  id: 'c-1',
  kind: 'recovery',
  idp: 'okta',
  subjectId: 'u-alice',
  subjectLogin: 'alice@example.com',
  action: 'mfa_reset',
  requesterId: 'u-frank',
  state: 'completed',
  tier: 'T2',
  reason: null,
} as unknown as CaseView;

describe('formatTimeline', () => {
  const names = new Map([
    ['u-alice', 'alice'],
    ['u-frank', 'frank'],
  ]);

  it('prints one line per record: time, actor by name, step', () => {
    const text = formatTimeline(
      view,
      [
        record(1, 'case.opened', 'u-frank', { subject: 'u-alice', action: 'mfa_reset' }),
        record(2, 'step.deliver', 'u-alice', {}),
      ],
      { names },
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'case c-1  okta  recovery  mfa_reset  subject alice  requested by frank  tier T2  state completed',
    );
    expect(lines[1]).toBe('  03:59:01.100  frank       case.opened  subject=alice action=mfa_reset');
    expect(lines[2]).toBe(
      '  03:59:02.100  alice       credential shown once to alice on the verification page',
    );
  });

  it('says the identity provider sent a Keycloak action link, never that the page showed it (issue 22)', () => {
    const text = formatTimeline(
      { ...view, idp: 'keycloak' } as CaseView,
      [record(1, 'step.deliver', 'gate', { delivery: 'idp', deliveredTo: 'email:primary' })],
      { names },
    );
    expect(text).toContain(
      'credential sent by the identity provider to email:primary; the gate never saw it',
    );
    expect(text).not.toContain('shown once');
  });

  it('says the requester is not known yet rather than naming a placeholder', () => {
    const text = formatTimeline({ ...view, requesterId: null }, [], { names });
    expect(text).toContain('subject alice  requested by (not known yet)  tier T2');
  });

  it('never prints a secret-looking value, even if one reached a record', () => {
    const text = formatTimeline(
      view,
      [
        record(1, 'step.issue', 'gate', {
          credentialKind: 'okta_tac',
          secret: 'S3cr3t!',
          tempPassword: 'pw-123',
        }),
      ],
      { names },
    );
    expect(text).toContain('temporary credential issued (value never stored; credentialKind=okta_tac)');
    expect(text).not.toContain('S3cr3t!');
    expect(text).not.toContain('pw-123');
  });
});
