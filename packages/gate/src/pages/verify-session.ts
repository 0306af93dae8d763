/**
 * Who may use a case's verification pages: the signed-in subject of that very case, bound by their link.
 * @module
 */

import type { CaseView } from '../orchestrator/index.js';
import type { RequestContext, RouteResponse } from '../server/router.js';
import { loadSession, message, type PagesCtx } from './context.js';
import type { Session } from './session.js';

/** The subject's session for a case, or null when this session is not the verified subject of it. */
export async function subjectSession(
  p: PagesCtx,
  ctx: RequestContext,
): Promise<{ readonly session: Session; readonly c: CaseView } | null> {
  const session = await loadSession(p, ctx);
  const caseId = ctx.params.caseId ?? '';
  if (!session?.data.sub || session.data.caseId !== caseId) return null;
  if (session.data.purpose !== 'verify' && session.data.purpose !== 'reveal') return null;
  const c = await p.deps().engine.getCase(caseId);
  if (!c || c.subjectId !== session.data.sub) return null;
  return { session, c };
}

/** The answer to anyone who is not the verified subject of the case. */
export function notYours(p: PagesCtx): RouteResponse {
  return message(
    p,
    403,
    'Sign in from your link',
    'Open the link you received to sign in to this recovery.',
    'bad',
  );
}
