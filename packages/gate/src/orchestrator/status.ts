/**
 * Writing the case status onto the user in the IdP, so agents see it in the native console.
 * @module
 */

import { type Ctx, errorText } from './context.js';
import type { CaseRecord } from './model.js';

/** Writes the status marker; a failure is logged (the final status is a journaled step that retries). */
export async function writeStatus(ctx: Ctx, c: CaseRecord, status: string): Promise<void> {
  const provider = ctx.provider(c.idp);
  if (!provider.capabilities.case_status.supported) return;
  try {
    await provider.writeCaseStatus(c.subjectId, {
      caseId: c.id,
      status,
      updatedAt: ctx.now().toISOString(),
    });
  } catch (error) {
    ctx.deps.logger.warn('writing case status failed', { caseId: c.id, status, error: errorText(error) });
  }
}
