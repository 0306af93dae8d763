import { createSecret } from '@recovery-gate/core';
import { describe, expect, it } from 'vitest';
import { createLogger, maskAddress } from './log.js';

describe('logger', () => {
  it('writes JSON lines with the level and redacts secrets by value and by field name', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), now: () => new Date('2026-01-01T00:00:00Z') });
    log.info('hello', {
      apiToken: 'tok-123',
      nested: { clientSecret: 'cs-456', userId: 'u1' },
      wrapped: createSecret('s-789'),
      list: [{ password: 'pw' }],
    });
    log.debug('hidden');
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(line.endsWith('\n')).toBe(true);
    expect(line).not.toMatch(/tok-123|cs-456|s-789|"pw"/);
    expect(JSON.parse(line)).toEqual({
      time: '2026-01-01T00:00:00.000Z',
      level: 'info',
      msg: 'hello',
      apiToken: '[redacted]',
      nested: { clientSecret: '[redacted]', userId: 'u1' },
      wrapped: '[redacted]',
      list: [{ password: '[redacted]' }],
    });
  });

  it('honours the level and child fields', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', write: (l) => lines.push(l) }).child({ component: 'intake' });
    log.info('no');
    log.warn('yes');
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { level: 'warn', msg: 'yes', component: 'intake' },
    ]);
  });

  it('masks addresses', () => {
    expect(maskAddress('jane.doe@acme.example')).toBe('j***@a***.example');
    expect(maskAddress('+1 555 010 1234')).toBe('+*******1234');
  });
});
