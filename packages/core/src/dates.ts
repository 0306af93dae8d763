/**
 * Dates read from IdP attributes (a contract end, a leave date). Only ISO 8601 is read, or the one format
 * a policy names: `Date.parse` guesses (`12/05/2026` is 5 December to it, 12 May to a DD/MM locale), and
 * a guess that lands in the future would let an ended contract through. Anything else is unknown.
 * @module
 */

/** Formats a policy may name for dates held in IdP attributes. */
export const DATE_FORMATS = ['iso8601', 'dd/mm/yyyy', 'mm/dd/yyyy'] as const;

/** A date format a policy may name. */
export type DateFormat = (typeof DATE_FORMATS)[number];

/** `YYYY-MM-DD`, optionally with a time that carries its zone (a time without one is ambiguous). */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/;
const SLASHED = /^(\d{2})\/(\d{2})\/(\d{4})$/;

/** Epoch ms of a calendar date at 00:00 UTC, or null when the day does not exist (31 April). */
function utcDay(year: number, month: number, day: number): number | null {
  if (month < 1 || month > 12 || day < 1) return null;
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  // Date.UTC rolls 31 April over to 1 May; a rolled-over day is not the date that was written.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) {
    return null;
  }
  return ms;
}

function parseIso(raw: string): number | null {
  const m = ISO.exec(raw);
  if (!m) return null;
  const day = utcDay(Number(m[1]), Number(m[2]), Number(m[3]));
  if (day === null || m[4] === undefined) return day;
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? '0')];
  if (hour > 23 || minute > 59 || second > 59) return null;
  const fraction = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  let offset = 0;
  const zone = m[8] ?? 'Z';
  if (zone !== 'Z') {
    const [zh, zm] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
    if (zh > 14 || zm > 59) return null;
    offset = (zone.startsWith('-') ? -1 : 1) * (zh * 60 + zm) * 60_000;
  }
  return day + ((hour * 60 + minute) * 60 + second) * 1000 + fraction - offset;
}

/**
 * Epoch ms of a date read from an IdP attribute, or null when it is missing or not a valid date in
 * `format` (ISO 8601 by default): unknown, which the caller must treat as failing closed.
 */
export function parseAttributeDate(
  raw: string | null | undefined,
  format: DateFormat = 'iso8601',
): number | null {
  if (typeof raw !== 'string') return null;
  if (format === 'iso8601') return parseIso(raw);
  const m = SLASHED.exec(raw);
  if (!m) return null;
  const [first, second, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return format === 'dd/mm/yyyy' ? utcDay(year, second, first) : utcDay(year, first, second);
}
