/**
 * Leases on claimed rows (inbox events, notifications): a claim sets `locked_until`; while the work runs the
 * claimer renews it, so a lease can be short (a replica that dies gives its rows back within one lease)
 * without a slow but live claimer losing its rows to another replica.
 * @module
 */

/**
 * Runs `work` and calls `renew` every third of `leaseMs` until it ends. A failed renewal is ignored: the
 * next one retries, and a lease that lapses only lets another replica take the rows over (the handlers are
 * idempotent).
 */
export async function withLeaseRenewal<T>(
  leaseMs: number,
  renew: () => Promise<unknown>,
  work: () => Promise<T>,
): Promise<T> {
  const timer = setInterval(
    () => {
      renew().catch(() => undefined);
    },
    Math.max(1000, Math.floor(leaseMs / 3)),
  );
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
