/**
 * Guardrails as desired state: plan (a diff, read-only) and apply (idempotent; each step re-inspects the
 * org before changing it), plus findings apply does not fix (help-desk principals with reset rights).
 * @module
 */

import {
  type ApplyResult,
  GateError,
  type GuardrailChange,
  type GuardrailContext,
  type GuardrailFinding,
  type GuardrailPlan,
  type ProgressListener,
  RECOVERY_ACTIONS,
  type Secret,
} from '@recovery-gate/core';
import { field, type Json, type OktaContext, text } from './client/context.js';
import { builtinRoleSteps } from './guardrails/builtin.js';
import { hookStep } from './guardrails/hook.js';
import { resourceSetStep, roleStep } from './guardrails/iam.js';
import {
  attributeStep,
  bindingStep,
  customRoles,
  FORBIDDEN_PERMISSIONS,
  groupRoles,
  groupStep,
  list,
  type Step,
} from './guardrails/steps.js';
import { tacFindings } from './guardrails/tac.js';

function steps(ctx: OktaContext, hookSecret: Secret | null): Step[] {
  const requestGroups = RECOVERY_ACTIONS.map((a) => `${ctx.config.requestGroups.prefix}${a}`);
  const out: Step[] = [
    ...requestGroups.map((name) => groupStep(ctx, name)),
    roleStep(ctx),
    resourceSetStep(ctx, requestGroups),
    bindingStep(ctx),
    attributeStep(ctx),
  ];
  if (ctx.config.hook && hookSecret)
    out.push(hookStep(ctx, { url: ctx.config.hook.url, secret: hookSecret }));
  return out;
}

async function forbiddenCustomRoles(ctx: OktaContext): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const role of await customRoles(ctx)) {
    const id = text(role, 'id');
    if (!id) continue;
    const perms = await ctx.call('listRolePermissions', 'other', () =>
      ctx.client.customRoleApi.listRolePermissions({ roleIdOrLabel: id }),
    );
    const labels = ((perms.permissions ?? []) as unknown as Json[]).map((p) => String(field(p, 'label')));
    const bad = labels.filter((p) => FORBIDDEN_PERMISSIONS.includes(p));
    if (bad.length > 0) out.set(id, bad);
  }
  return out;
}

function roleFinding(
  who: string,
  assignment: Json,
  forbidden: ReadonlyMap<string, string[]>,
): GuardrailFinding | null {
  // Built-in resetting roles are planned removals (guardrails-builtin.ts), not findings.
  const type = text(assignment, 'type') ?? '';
  const bad = type === 'CUSTOM' ? forbidden.get(text(assignment, 'role') ?? '') : undefined;
  if (bad) {
    return {
      severity: 'critical',
      code: 'OKTA_HELPDESK_RESET_PERMISSION',
      message: `${who} holds custom role ${text(assignment, 'label') ?? ''} with ${bad.join(', ')}; remove those permissions`,
    };
  }
  return null;
}

async function findings(ctx: OktaContext): Promise<GuardrailFinding[]> {
  const out: GuardrailFinding[] = [];
  if (!ctx.config.hook) {
    out.push({
      severity: 'info',
      code: 'OKTA_HOOK_NOT_CONFIGURED',
      message: 'No event hook is configured: native-console events arrive by System Log polling only',
    });
  }
  const groupId = await ctx.groupId(ctx.config.helpDeskGroup);
  if (!groupId) {
    out.push({
      severity: 'critical',
      code: 'OKTA_GROUP_MISSING',
      message: `The help-desk group ${ctx.config.helpDeskGroup} does not exist`,
    });
    return out;
  }
  const forbidden = await forbiddenCustomRoles(ctx);
  for (const assignment of await groupRoles(ctx, groupId)) {
    const finding = roleFinding(`Group ${ctx.config.helpDeskGroup}`, assignment, forbidden);
    if (finding) out.push(finding);
  }
  const members = await ctx.call('listGroupUsers', 'group', async () =>
    list(await ctx.client.groupApi.listGroupUsers({ groupId })),
  );
  for (const member of members) {
    const userId = String(member.id);
    const roles = await ctx.call('listAssignedRolesForUser', 'user', async () =>
      list(await ctx.client.roleAssignmentApi.listAssignedRolesForUser({ userId })),
    );
    for (const role of roles as unknown as Json[]) {
      if (text(role, 'assignmentType') === 'GROUP') continue;
      const finding = roleFinding(`Agent ${String(member.profile?.login ?? userId)}`, role, forbidden);
      if (finding) out.push(finding);
    }
  }
  return out;
}

/** Reads the org and returns the diff to the desired guardrails. */
export async function planGuardrails(
  ctx: OktaContext,
  hookSecret: Secret | null,
  context?: GuardrailContext,
): Promise<GuardrailPlan> {
  const changes: GuardrailChange[] = [];
  for (const step of [...steps(ctx, hookSecret), ...(await builtinRoleSteps(ctx))]) {
    const inspection = await step.inspect();
    changes.push({
      op: inspection.op,
      resource: step.resource,
      name: step.name,
      reason: step.reason,
      before: inspection.before,
      after: inspection.after,
      ...(step.removesAccess ? { removesAccess: true } : {}),
    });
  }
  return { idp: 'okta', changes, findings: [...(await findings(ctx)), ...(await tacFindings(ctx, context))] };
}

/** Applies a plan: every planned change is re-inspected and converged; idempotent. */
export async function applyGuardrails(
  ctx: OktaContext,
  hookSecret: Secret | null,
  plan: GuardrailPlan,
  onProgress?: ProgressListener,
): Promise<ApplyResult> {
  if (plan.idp !== 'okta')
    throw new GateError('ERR_INPUT_INVALID', `This is a ${plan.idp} plan, not an Okta plan`);
  const wanted = new Set(
    plan.changes.filter((c) => c.op !== 'noop').map((c) => `${c.resource}\u0000${c.name}`),
  );
  // Removals are re-listed from the org: one already gone is simply not there to run again.
  const builtin = plan.changes.some((c) => c.removesAccess === true) ? await builtinRoleSteps(ctx) : [];
  const all = [...steps(ctx, hookSecret), ...builtin].filter((s) =>
    wanted.has(`${s.resource}\u0000${s.name}`),
  );
  const applied: GuardrailChange[] = [];
  for (const [index, step] of all.entries()) {
    onProgress?.(index, all.length, `${step.resource} ${step.name}`);
    const inspection = await step.inspect();
    if (inspection.op === 'noop') continue;
    await inspection.run();
    applied.push({
      op: inspection.op,
      resource: step.resource,
      name: step.name,
      reason: step.reason,
      before: inspection.before,
      after: inspection.after,
      ...(step.removesAccess ? { removesAccess: true } : {}),
    });
  }
  onProgress?.(all.length, all.length, 'done');
  return { applied };
}
