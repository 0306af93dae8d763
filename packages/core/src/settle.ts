/**
 * Running an adapter's independent IdP calls in parallel without leaving any half-seen.
 * @module
 */

/**
 * Awaits every call (run in parallel) and throws the first failure once all have settled, so no call is
 * left running and a partial failure surfaces as an error (the step stays pending; its retry finishes the
 * rest).
 */
export async function allOrThrow<T>(calls: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(calls);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}
