/**
 * The embedded database's single connection, shared in order of urgency: one operation at a time, urgent
 * work (a hook waiting for its acknowledgement) before queued background work, and the event loop gets a
 * turn before each background operation.
 * @module
 */

/** How urgent a store operation is: `high` when an external caller waits on it. */
export type Priority = 'high' | 'normal';

/** Options for {@link createLane}. */
export interface LaneOptions {
  /**
   * Lets the event loop run before a normal operation. PGlite answers in the same thread without real I/O,
   * so a chain of store calls never lets incoming requests be read; this turn does.
   * @default a `setImmediate` turn
   */
  readonly yieldTurn?: () => Promise<void>;
  /** High operations run in a row while normal work waits, before one normal operation goes. @default 8 */
  readonly maxHighStreak?: number;
}

/** A single lane with two priorities. */
export interface Lane {
  /** Runs `fn` when the lane is free and it is its turn; settles as `fn` does. */
  run<T>(priority: Priority, fn: () => Promise<T>): Promise<T>;
  /** Operations queued (not running), by priority. */
  waiting(): { readonly high: number; readonly normal: number };
}

interface Job {
  run(): Promise<void>;
}

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Creates a lane. */
export function createLane(options: LaneOptions = {}): Lane {
  const yieldTurn = options.yieldTurn ?? immediate;
  const maxStreak = Math.max(1, options.maxHighStreak ?? 8);
  const high: Job[] = [];
  const normal: Job[] = [];
  let pumping = false;
  let streak = 0;

  const pump = async (): Promise<void> => {
    if (pumping) return;
    pumping = true;
    try {
      while (high.length > 0 || normal.length > 0) {
        const urgentTurn = high.length > 0 && (normal.length === 0 || streak < maxStreak);
        if (urgentTurn) {
          if (normal.length > 0) streak += 1;
          await (high.shift() as Job).run();
          continue;
        }
        // Background work: first let pending I/O (hook requests) run far enough to queue their writes.
        await yieldTurn();
        if (high.length > 0 && streak < maxStreak) continue;
        streak = 0;
        await (normal.shift() as Job).run();
      }
    } finally {
      pumping = false;
    }
  };

  return {
    run<T>(priority: Priority, fn: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const job: Job = {
          async run() {
            try {
              resolve(await fn());
            } catch (error) {
              reject(error);
            }
          },
        };
        (priority === 'high' ? high : normal).push(job);
        void pump();
      });
    },
    waiting: () => ({ high: high.length, normal: normal.length }),
  };
}
