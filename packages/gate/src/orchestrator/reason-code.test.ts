import { describe, expect, it } from 'vitest';
import { reasonCode } from './context.js';

describe('reasonCode (issue 22, item 5)', () => {
  it('keeps the gate’s own reason codes and core deny codes as metric labels', () => {
    expect(reasonCode("subject: this wasn't me")).toBe('subject');
    expect(reasonCode('CONTRACT_EXPIRED: the contract ended; ACCOUNT_INACTIVE: x')).toBe('CONTRACT_EXPIRED');
    expect(reasonCode('denied_by_security_team')).toBe('denied_by_security_team');
    expect(reasonCode('revoke_failed')).toBe('revoke_failed');
  });

  it('turns free text into `other`, so the label set stays bounded', () => {
    for (const text of ['suspected impostor', 'not_me', 'Call me at +1 555 0100', 'x'.repeat(500), '']) {
      expect(reasonCode(text)).toBe('other');
    }
  });
});
