/**
 * Reading directoryAudits records.
 * @module
 */

import { type EntraContext, graphList, odataString } from '../client.js';

/** A directoryAudit record (the fields the adapter reads). */
export interface AuditRecord {
  readonly id: string;
  readonly activityDisplayName: string;
  readonly activityDateTime: string;
  readonly correlationId?: string | null;
  readonly category?: string | null;
  readonly loggedByService?: string | null;
  readonly result?: string | null;
  readonly resultReason?: string | null;
  readonly initiatedBy?: {
    readonly user?: {
      readonly id?: string | null;
      readonly displayName?: string | null;
      readonly userPrincipalName?: string | null;
    } | null;
    readonly app?: {
      readonly appId?: string | null;
      readonly displayName?: string | null;
      readonly servicePrincipalId?: string | null;
    } | null;
  } | null;
  readonly targetResources?:
    | readonly {
        readonly id?: string | null;
        readonly displayName?: string | null;
        readonly type?: string | null;
        readonly userPrincipalName?: string | null;
        readonly modifiedProperties?:
          | readonly {
              readonly displayName?: string | null;
              readonly oldValue?: string | null;
              readonly newValue?: string | null;
            }[]
          | null;
      }[]
    | null;
}

/** Audit records targeting the user since `since` (ISO), oldest first. */
export function userAuditsSince(ctx: EntraContext, userId: string, since: string): Promise<AuditRecord[]> {
  return graphList<AuditRecord>(ctx, '/auditLogs/directoryAudits', 'read audit log', {
    $filter: `targetResources/any(t:t/id eq ${odataString(userId)}) and activityDateTime ge ${since}`,
    $orderby: 'activityDateTime asc',
  });
}
