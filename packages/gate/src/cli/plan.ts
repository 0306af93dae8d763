/**
 * `recovery-gate plan` and `recovery-gate apply`: the guardrails each configured IdP needs, as a diff
 * (+ create, ~ update, - delete), applied with confirmation.
 * @module
 */

import {
  type GuardrailChange,
  type GuardrailContext,
  type GuardrailPlan,
  type IdpKind,
  parseDuration,
  type RecoveryProvider,
} from '@recovery-gate/core';
import { cliProviders, type Loaded, loadCliConfig } from './context.js';
import { type CliIo, EXIT, UsageError } from './io.js';

/** Exit code of `plan --detailed-exitcode` when there are changes (as terraform). */
export const EXIT_CHANGES = 2;

const SIGN: Readonly<Record<GuardrailChange['op'], string>> = {
  create: '+',
  update: '~',
  delete: '-',
  noop: ' ',
};

function pending(plan: GuardrailPlan): GuardrailChange[] {
  return plan.changes.filter((c) => c.op !== 'noop');
}

function compact(value: unknown): string {
  if (value === null || value === undefined) return '(none)';
  const text = JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/** Renders a plan as a readable diff. */
export function renderPlan(plan: GuardrailPlan): string {
  const lines = [`${plan.idp}:`];
  const changes = pending(plan);
  if (changes.length === 0) lines.push('  no changes: the tenant matches the guardrails.');
  for (const c of changes) {
    lines.push(`  ${SIGN[c.op]} ${c.resource} "${c.name}"  (${c.reason})`);
    if (c.op === 'update') {
      lines.push(`      before: ${compact(c.before)}`);
      lines.push(`      after:  ${compact(c.after)}`);
    } else if (c.op === 'create') {
      lines.push(`      ${compact(c.after)}`);
    } else if (c.op === 'delete') {
      lines.push(`      ${compact(c.before)}`);
    }
  }
  for (const f of plan.findings) lines.push(`  ! ${f.severity} ${f.code}: ${f.message}`);
  return `${lines.join('\n')}\n`;
}

/** Critical findings are drift too: the tenant is not where the guardrails say it must be. */
function criticals(plans: readonly GuardrailPlan[]): number {
  return plans.reduce((n, p) => n + p.findings.filter((f) => f.severity === 'critical').length, 0);
}

function summary(plans: readonly GuardrailPlan[]): string {
  const count = (op: GuardrailChange['op']) =>
    plans.reduce((n, p) => n + p.changes.filter((c) => c.op === op).length, 0);
  return `Plan: ${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete.\n`;
}

/** What the policy's tiers will ask of the IdPs, for their plans to check the tenants' settings against. */
export function guardrailContext(config: Loaded['config']): GuardrailContext {
  return {
    credentials: Object.entries(config.tiers).map(([tier, t]) => ({
      tier,
      ...(t.credential.kind === undefined ? {} : { kind: t.credential.kind }),
      lifetimeSeconds: Math.floor(parseDuration(t.credential.lifetime) / 1000),
      singleUse: t.credential.singleUse,
    })),
  };
}

async function planAll(
  loaded: Loaded,
  providers: ReadonlyMap<IdpKind, RecoveryProvider>,
): Promise<{ provider: RecoveryProvider; plan: GuardrailPlan }[]> {
  const context = guardrailContext(loaded.config);
  const out: { provider: RecoveryProvider; plan: GuardrailPlan }[] = [];
  for (const provider of providers.values())
    out.push({ provider, plan: await provider.planGuardrails(context) });
  return out;
}

/** Options of `plan`. */
export interface PlanOptions {
  readonly config?: string;
  readonly json?: boolean;
  readonly detailedExitcode?: boolean;
}

/** Prints the guardrails plan of every configured IdP; returns 0, or 2 for changes with --detailed-exitcode. */
export async function plan(options: PlanOptions, io: CliIo): Promise<number> {
  const loaded = await loadCliConfig(options.config, io);
  const plans = (await planAll(loaded, await cliProviders(loaded, io))).map((p) => p.plan);
  const changed = plans.some((p) => pending(p).length > 0);
  const critical = criticals(plans);
  if (options.json === true) io.stdout(`${JSON.stringify({ changed, critical, plans }, null, 2)}\n`);
  else {
    for (const p of plans) io.stdout(renderPlan(p));
    if (changed) io.stdout(summary(plans));
    else if (critical === 0) io.stdout('No changes. The tenants match the guardrails.\n');
    else io.stdout(`No changes to apply, but ${critical} critical finding(s) to fix by hand.\n`);
  }
  return (changed || critical > 0) && options.detailedExitcode === true ? EXIT_CHANGES : EXIT.ok;
}

/** Options of `apply`. */
export interface ApplyOptions {
  readonly config?: string;
  readonly autoApprove?: boolean;
  /** Also remove the help desk's built-in roles that can reset (planned as `-`). */
  readonly removeResetRoles?: boolean;
}

/**
 * Drops the removals of built-in roles unless asked for, and says loudly what they do either way: they take
 * every right of the role away from people, not only resets.
 */
function withRemovals(planned: GuardrailPlan, remove: boolean, io: CliIo): GuardrailPlan {
  const removals = planned.changes.filter((c) => c.removesAccess === true && c.op !== 'noop');
  if (removals.length === 0) return planned;
  const names = removals.map((c) => c.name).join('; ');
  if (!remove) {
    io.stderr(
      `warning: ${planned.idp}: ${removals.length} built-in role(s) that can reset stay in place (${names}); ` +
        'agents holding them can still reset around the gate. Re-run with --remove-reset-roles to remove them.\n',
    );
    return { ...planned, changes: planned.changes.filter((c) => c.removesAccess !== true) };
  }
  io.stderr(
    `warning: ${planned.idp}: removing ${removals.length} built-in role assignment(s): ${names}. ` +
      "Those people lose every right the role gave them, not only resets; they keep the gate's help-desk role.\n",
  );
  return planned;
}

async function confirm(io: CliIo): Promise<boolean> {
  if (io.interactive !== true || io.prompt === undefined) {
    throw new UsageError(
      'refusing to apply without confirmation: stdin is not a terminal; review `recovery-gate plan` and pass --auto-approve',
    );
  }
  const answer = await io.prompt('Apply these changes? Only "yes" is accepted: ');
  return answer.trim() === 'yes';
}

/** Plans, asks for confirmation (unless --auto-approve), applies with progress, and reports. */
export async function apply(options: ApplyOptions, io: CliIo): Promise<number> {
  const loaded = await loadCliConfig(options.config, io);
  const planned = (await planAll(loaded, await cliProviders(loaded, io))).map((p) => {
    const plan = withRemovals(p.plan, options.removeResetRoles === true, io);
    return { ...p, plan, skipped: plan !== p.plan };
  });
  const todo = planned.filter((p) => pending(p.plan).length > 0);
  for (const p of planned) io.stdout(renderPlan(p.plan));
  if (todo.length === 0) {
    const skipped = options.removeResetRoles !== true && planned.some((p) => p.skipped);
    io.stdout(skipped ? 'No other changes.\n' : 'No changes. The tenants match the guardrails.\n');
    return EXIT.ok;
  }
  io.stdout(summary(todo.map((p) => p.plan)));
  if (options.autoApprove !== true && !(await confirm(io))) {
    io.stdout('Apply cancelled; nothing was changed.\n');
    return EXIT.failure;
  }
  let total = 0;
  for (const { provider, plan: p } of todo) {
    const result = await provider.applyGuardrails(p, (done, of, label) => {
      io.stderr(`[${p.idp}] ${done}/${of} ${label}\n`);
    });
    total += result.applied.length;
    io.stdout(`${p.idp}: applied ${result.applied.length} change(s).\n`);
  }
  io.stdout(`Apply complete: ${total} change(s).\n`);
  return EXIT.ok;
}
