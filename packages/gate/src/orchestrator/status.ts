/**
 * Writing the case status onto the user in the IdP, so agents see it in the native console.
 * @module
 */

import { type Ctx, errorText } from './context.js';
import type { CaseRecord } from './model.js';

/**
 * Writes the status marker; false (logged) when the IdP refused, so the caller keeps it owed (the final
 * status is a journaled step, the others are case effects).
 */
export async function writeStatus(ctx: Ctx, c: CaseRecord, status: string): Promise<boolean> {
  const provider = ctx.provider(c.idp);
  if (!provider.capabilities.case_status.supported) return true;
  try {
    await provider.writeCaseStatus(c.subjectId, {
      caseId: c.id,
      status,
      updatedAt: ctx.now().toISOString(),
    });
    return true;
  } catch (error) {
    ctx.deps.logger.warn('writing case status failed', { caseId: c.id, status, error: errorText(error) });
    return false;
  }
}
