/**
 * Named in-process try-locks, for the embedded store where one process owns the database.
 * @module
 */

/** A set of named try-locks. */
export interface NamedMutex {
  /** Runs `fn` if `name` is free; returns `{ ran: false }` at once otherwise. */
  tryRun<T>(
    name: string,
    fn: () => Promise<T>,
  ): Promise<{ readonly ran: true; readonly value: T } | { readonly ran: false }>;
}

/** Creates an in-process set of named try-locks. */
export function createNamedMutex(): NamedMutex {
  const held = new Set<string>();
  return {
    async tryRun(name, fn) {
      if (held.has(name)) return { ran: false };
      held.add(name);
      try {
        return { ran: true, value: await fn() };
      } finally {
        held.delete(name);
      }
    },
  };
}
