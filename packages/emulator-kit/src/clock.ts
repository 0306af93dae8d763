/** A controllable clock for emulators: time only moves when a test says so. */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
  /** Moves the clock forward by `ms` (negative values are refused). */
  advance(ms: number): void;
  /** Sets the clock to an absolute epoch-milliseconds value. */
  set(ms: number): void;
  /** The current time as a Date. */
  date(): Date;
}

/**
 * Creates a manual clock starting at `start` (epoch ms; defaults to the real time at creation).
 * @throws TypeError when a value is not a finite number or `advance` gets a negative value.
 */
export function createClock(start: number = Date.now()): Clock {
  let current = checkFinite(start);
  return {
    now: () => current,
    advance(ms) {
      if (checkFinite(ms) < 0)
        throw new TypeError('clock.advance() needs a non-negative number of milliseconds');
      current += ms;
    },
    set(ms) {
      current = checkFinite(ms);
    },
    date: () => new Date(current),
  };
}

function checkFinite(value: number): number {
  if (!Number.isFinite(value))
    throw new TypeError(`clock value must be a finite number, got ${String(value)}`);
  return value;
}
