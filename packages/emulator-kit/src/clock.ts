/** A controllable clock for emulators: a test moves it forward; with a live source it also runs on. */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
  /** Moves the clock forward by `ms` (negative values are refused). */
  advance(ms: number): void;
  /** Sets the clock to an absolute epoch-milliseconds value (a live clock runs on from there). */
  set(ms: number): void;
  /** The current time as a Date. */
  date(): Date;
}

/**
 * Creates a clock. With a number (epoch ms; defaults to the real time at creation) it is manual: time moves
 * only when told. With a time source (e.g. `Date.now`) it follows the source plus whatever `advance` and
 * `set` added, so an emulator serving a demo keeps real time while tests still jump ahead.
 * @throws TypeError when a value is not a finite number or `advance` gets a negative value.
 */
export function createClock(start: number | (() => number) = Date.now()): Clock {
  const source = typeof start === 'function' ? start : null;
  const base = (): number => (source === null ? 0 : checkFinite(source()));
  // Manual: the offset is the time itself; live: what was added to the source.
  let offset = source === null ? checkFinite(start as number) : 0;
  const now = (): number => base() + offset;
  return {
    now,
    advance(ms) {
      if (checkFinite(ms) < 0)
        throw new TypeError('clock.advance() needs a non-negative number of milliseconds');
      offset += ms;
    },
    set(ms) {
      offset = checkFinite(ms) - base();
    },
    date: () => new Date(now()),
  };
}

function checkFinite(value: number): number {
  if (!Number.isFinite(value))
    throw new TypeError(`clock value must be a finite number, got ${String(value)}`);
  return value;
}
