/**
 * Findings guardrails report but do not fix: help-desk principals with standing Authentication
 * Administrator / Privileged Authentication Administrator (outside PIM), and configuration gaps.
 * @module
 */

import type { GuardrailFinding } from '@recovery-gate/core';
import { type EntraContext, graphList, odataString, seg } from './graph.js';
import { groupId, ROLES, type TenantView } from './guardrails-read.js';

const ROLE_LABEL: Readonly<Record<string, string>> = {
  [ROLES.authenticationAdministrator]: 'Authentication Administrator',
  [ROLES.privilegedAuthenticationAdministrator]: 'Privileged Authentication Administrator',
};

interface Assignment {
  readonly id: string;
  readonly principalId: string;
  readonly roleDefinitionId: string;
  readonly directoryScopeId?: string | null;
}

interface Instance {
  readonly principalId: string;
  readonly roleDefinitionId: string;
  readonly assignmentType?: string | null;
}

async function helpDeskFindings(ctx: EntraContext, groupName: string): Promise<GuardrailFinding[]> {
  const id = await groupId(ctx, groupName);
  if (!id)
    return [
      {
        severity: 'warning',
        code: 'helpdesk_group_missing',
        message: `The help-desk group ${groupName} does not exist.`,
      },
    ];
  const members = await graphList<{ id: string; userPrincipalName?: string | null }>(
    ctx,
    `/groups/${seg(id)}/members`,
    'read help-desk members',
    {
      $select: 'id,userPrincipalName',
    },
  );
  const principals = new Map<string, string>([
    [id, `group ${groupName}`],
    ...members.map((m) => [m.id, m.userPrincipalName ?? m.id] as [string, string]),
  ]);
  const findings: GuardrailFinding[] = [];
  for (const role of Object.keys(ROLE_LABEL)) {
    const filter = `roleDefinitionId eq ${odataString(role)}`;
    const [assignments, instances] = await Promise.all([
      graphList<Assignment>(ctx, '/roleManagement/directory/roleAssignments', 'read role assignments', {
        $filter: filter,
      }),
      graphList<Instance>(
        ctx,
        '/roleManagement/directory/roleAssignmentScheduleInstances',
        'read PIM instances',
        { $filter: filter },
      ),
    ]);
    for (const assignment of assignments) {
      const who = principals.get(assignment.principalId);
      if (!who) continue;
      const activated = instances.some(
        (i) => i.principalId === assignment.principalId && i.assignmentType === 'Activated',
      );
      findings.push(
        activated
          ? {
              severity: 'info',
              code: 'helpdesk_role_pim',
              message: `${who} holds ${ROLE_LABEL[role]} through a time-bound PIM activation.`,
            }
          : {
              severity: 'critical',
              code: 'helpdesk_role_standing',
              message: `${who} holds ${ROLE_LABEL[role]} outside PIM (standing assignment): agents can mint TAPs and reset methods around the gate. Make it PIM-eligible or remove it.`,
            },
      );
    }
  }
  return findings;
}

/** All findings for the tenant view. */
export async function findingsFor(ctx: EntraContext, view: TenantView): Promise<GuardrailFinding[]> {
  const findings: GuardrailFinding[] = [];
  if (ctx.config.helpDeskGroup) findings.push(...(await helpDeskFindings(ctx, ctx.config.helpDeskGroup)));
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
