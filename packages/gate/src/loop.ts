/**
 * A background loop: runs a task, waits an interval, runs again; `kick` runs it now; `stop` waits for it.
 * @module
 */

import type { Logger } from './types.js';

/** Options for {@link createLoop}. */
export interface LoopOptions {
  readonly name: string;
  readonly intervalMs: number;
  readonly run: () => Promise<unknown>;
  readonly logger: Logger;
}

/** A background loop. */
export interface Loop {
  start(): void;
  /** Runs the task as soon as possible (once more if it is running now). */
  kick(): void;
  /** Stops scheduling and waits for a running task to end. */
  stop(): Promise<void>;
}

/** Creates a loop; it does nothing until `start`. */
export function createLoop(options: LoopOptions): Loop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let active = false;
  const schedule = (ms: number): void => {
    if (!active) return;
    clearTimeout(timer);
    timer = setTimeout(tick, ms);
  };
  const tick = (): void => {
    if (running !== undefined) {
      again = true;
      return;
    }
    again = false;
    // `running` is set before the task starts (it runs in a microtask): a task may kick its own loop
    // before its first await, and that kick must see the loop as busy.
    running = Promise.resolve()
      .then(() => options.run())
      .then(
        () => undefined,
        (error: unknown) => options.logger.error('background task failed', { task: options.name, error }),
      )
      .finally(() => {
        running = undefined;
        schedule(again ? 0 : options.intervalMs);
      });
  };
  return {
    start() {
      if (active) return;
      active = true;
      schedule(0);
    },
    kick() {
      if (!active) return;
      // From inside a run (a poller that stopped at its page limit), a timer set now would be replaced by
      // the run's own reschedule at the interval: ask for another run when this one ends instead.
      if (running !== undefined) {
        again = true;
        return;
      }
      schedule(0);
    },
    async stop() {
      active = false;
      clearTimeout(timer);
      await running;
    },
  };
}
