/**
 * Turns driver errors into ERR_STORAGE with the SQLSTATE as a safe detail.
 * @module
 */

import { GateError, isGateError } from '@recovery-gate/core';

/** SQLSTATE of a unique violation, for callers that treat duplicates as no-ops. */
export const UNIQUE_VIOLATION = '23505';

/** Wraps a driver error as ERR_STORAGE (details.sqlstate keeps the PostgreSQL code). */
export function storageError(error: unknown): GateError {
  if (isGateError(error)) return error;
  const sqlstate =
    typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
      ? (error as { code: string }).code
      : null;
  const message = error instanceof Error ? error.message : String(error);
  return new GateError('ERR_STORAGE', `The store failed: ${message}`, {
    cause: error,
    details: { sqlstate },
  });
}

/** True when `error` is a storage error with the given SQLSTATE. */
export function hasSqlState(error: unknown, sqlstate: string): boolean {
  return isGateError(error, 'ERR_STORAGE') && error.details.sqlstate === sqlstate;
}
