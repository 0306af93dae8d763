/**
 * Findings guardrails report but do not fix: configuration gaps (the help desk's roles are in
 * guardrails-helpdesk.ts).
 * @module
 */

import type { GuardrailFinding } from '@recovery-gate/core';
import type { EntraContext } from '../client.js';
import type { TenantView } from './read.js';

/** All findings for the tenant view. */
export async function findingsFor(ctx: EntraContext, view: TenantView): Promise<GuardrailFinding[]> {
  const findings: GuardrailFinding[] = [];
  if (!ctx.config.privilegedUnit) {
    findings.push({
      severity: 'warning',
      code: 'no_restricted_unit',
      message:
        'No restricted management administrative unit is configured: tenant-wide admins and apps can reset privileged users.',
    });
  } else if (view.unit && !view.unit.restricted) {
    findings.push({
      severity: 'critical',
      code: 'unit_not_restricted',
      message: `The administrative unit ${ctx.config.privilegedUnit.displayName} exists without restricted management, which can only be set at creation: delete it or configure another name.`,
    });
  }
  if (ctx.config.privilegedUnit && view.tenantReadRole === false) {
    findings.push({
      severity: 'critical',
      code: 'unit_role_needs_tenant_read',
      message:
        "The gate's service principal holds no directory role at tenant scope, so Entra ignores its role scoped to the restricted administrative unit (a service principal cannot read the unit's members without one) and every change to a privileged user fails: assign it Directory Readers at tenant scope (docs/install-entra.md).",
    });
  }
  const unrecoverable = view.privilegedUsers.filter((u) => view.globalAdmins.has(u.id));
  if (ctx.config.privilegedUnit && unrecoverable.length > 0) {
    findings.push({
      severity: 'warning',
      code: 'unit_global_admins_password',
      message: `${unrecoverable
        .map((u) => u.login)
        .sort()
        .join(
          ', ',
        )}: Global Administrator in the restricted administrative unit, whose password no administrator (the gate included) can reset; the gate denies their password_reset (IDP_REFUSES) and recovers them with an MFA reset and a Temporary Access Pass. Give each a second Global Administrator account or self-service password reset.`,
    });
  }
  if (!ctx.config.notification) {
    findings.push({
      severity: 'info',
      code: 'no_notifications',
      message: 'No change notifications: native requests are seen at the next group delta poll.',
    });
  }
  if (!view.app)
    findings.push({
      severity: 'critical',
      code: 'app_not_found',
      message: "The gate's app registration was not found: the case status extension cannot be created.",
    });
  return findings;
}
