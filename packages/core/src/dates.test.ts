import { describe, expect, it } from 'vitest';
import { parseAttributeDate } from './dates.js';

describe('parseAttributeDate', () => {
  it.each([
    ['2026-05-12', Date.UTC(2026, 4, 12)],
    ['2026-05-12T10:30Z', Date.UTC(2026, 4, 12, 10, 30)],
    ['2026-05-12T10:30:15.250Z', Date.UTC(2026, 4, 12, 10, 30, 15, 250)],
    ['2026-05-12T10:30:00+02:00', Date.UTC(2026, 4, 12, 8, 30)],
    ['2026-05-12T00:00:00-05:30', Date.UTC(2026, 4, 12, 5, 30)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
  ])('reads ISO 8601 %s', (raw, expected) => {
    expect(parseAttributeDate(raw)).toBe(expected);
  });

  it.each([
    '12/05/2026',
    '05/12/2026',
    '2026/05/12',
    '12 May 2026',
    'May 12, 2026',
    '2026-5-12',
    '2026-05-12T10:30',
    '2026-05-12 10:30Z',
    '2026-02-29',
    '2026-04-31',
    '2026-13-01',
    '2026-05-12T24:00Z',
    '2026-05-12T10:30+15:00',
    ' 2026-05-12',
    '20260512',
    '',
    'soon',
  ])('refuses %j as unknown', (raw) => {
    expect(parseAttributeDate(raw)).toBeNull();
  });

  it('is null for a missing value', () => {
    expect(parseAttributeDate(null)).toBeNull();
    expect(parseAttributeDate(undefined)).toBeNull();
  });

  it('reads the slashed format the policy names, day and month as named, and only that', () => {
    expect(parseAttributeDate('12/05/2026', 'dd/mm/yyyy')).toBe(Date.UTC(2026, 4, 12));
    expect(parseAttributeDate('12/05/2026', 'mm/dd/yyyy')).toBe(Date.UTC(2026, 11, 5));
    expect(parseAttributeDate('31/12/2026', 'mm/dd/yyyy')).toBeNull();
    expect(parseAttributeDate('2026-05-12', 'dd/mm/yyyy')).toBeNull();
    expect(parseAttributeDate('1/5/2026', 'dd/mm/yyyy')).toBeNull();
  });
});
