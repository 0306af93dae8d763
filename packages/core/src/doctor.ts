/**
 * The read-only preflight (`recovery-gate doctor`): what a check reports, and the small runner every adapter
 * uses so that a check is one function in a list (adding one is adding a line), a check that throws becomes
 * one failed line instead of a stack trace, and nothing else runs once the credential fails.
 * @module
 */

import { CLOCK_SKEW_MS } from './pieces.js';
import type { IdpKind } from './port.js';

/** How a check came out: `warn` works today but deserves attention. */
export type DoctorStatus = 'ok' | 'warn' | 'fail';

/** One check of the preflight, printed as one line. */
export interface DoctorCheck {
  /** A stable id, e.g. `credential`, `permission:okta.logs.read`, `events`, `clock`, `hook-url`. */
  readonly id: string;
  readonly status: DoctorStatus;
  /** What was found, one line, never a secret. */
  readonly summary: string;
  /** What to do about it; null when the check passed. */
  readonly fix: string | null;
}

/** What an adapter's preflight found. */
export interface DoctorReport {
  readonly idp: IdpKind;
  readonly checks: readonly DoctorCheck[];
  /**
   * The URL the IdP will call (event hook, change notifications) as configured, for the gate to probe over
   * https; null when the IdP is polled only.
   */
  readonly callbackUrl: string | null;
}

/** What the gate's own configuration tells a preflight about the tenant. */
export interface DoctorOptions {
  /** The OIDC client the gate's pages sign people in through (`pages.signIn.<idp>.clientId`), when served. */
  readonly pagesClientId?: string;
}

/** One check an adapter runs against its context; it may report several lines (one per permission). */
export type DoctorProbe<C> = (ctx: C) => Promise<DoctorCheck | readonly DoctorCheck[]>;

/** A passed check. */
export function doctorOk(id: string, summary: string): DoctorCheck {
  return { id, status: 'ok', summary, fix: null };
}

/** A failed (or, with `status: 'warn'`, doubtful) check with its fix. */
export function doctorFail(
  id: string,
  summary: string,
  fix: string,
  status: 'fail' | 'warn' = 'fail',
): DoctorCheck {
  return { id, status, summary, fix };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function runProbe<C>(name: string, probe: DoctorProbe<C>, ctx: C): Promise<readonly DoctorCheck[]> {
  try {
    const result = await probe(ctx);
    return Array.isArray(result) ? result : [result as DoctorCheck];
  } catch (error) {
    // A probe reports what it knows how to explain; anything else is still one line, never a stack.
    return [
      doctorFail(
        name,
        `the check could not run: ${messageOf(error)}`,
        'run again with --debug and report it',
      ),
    ];
  }
}

/**
 * Runs the credential probe, then (only when it passed) every other probe in order, and collects the lines.
 * A probe that throws becomes one failed line named after its key.
 */
export async function runDoctor<C>(
  idp: IdpKind,
  ctx: C,
  credential: DoctorProbe<C>,
  probes: Readonly<Record<string, DoctorProbe<C>>>,
  callbackUrl: string | null,
): Promise<DoctorReport> {
  const first = await runProbe('credential', credential, ctx);
  if (first.some((c) => c.status === 'fail')) return { idp, checks: first, callbackUrl };
  const checks = [...first];
  for (const [name, probe] of Object.entries(probes)) checks.push(...(await runProbe(name, probe, ctx)));
  return { idp, checks, callbackUrl };
}

/** Skew above which the clock check warns; at {@link CLOCK_SKEW_MS} (the evidence tolerance) it fails. */
export const CLOCK_WARN_MS = 5_000;

/**
 * Compares the IdP's `Date` header with the gate's clock around the request (`sentAt`..`receivedAt`). The
 * header has one-second resolution, so a second of difference is not skew.
 */
export function clockCheck(dateHeader: string | null, sentAt: Date, receivedAt: Date): DoctorCheck {
  const idpMs = dateHeader === null ? Number.NaN : Date.parse(dateHeader);
  if (Number.isNaN(idpMs)) {
    return doctorFail(
      'clock',
      'the IdP sent no usable Date header',
      'check what answers at the configured URL',
      'warn',
    );
  }
  const early = sentAt.getTime() - 1000 - idpMs;
  const late = idpMs - receivedAt.getTime();
  const skew = Math.max(early, late, 0);
  const seconds = Math.round(skew / 1000);
  const side = early > late ? 'ahead of' : 'behind';
  if (skew === 0) return doctorOk('clock', 'in sync with the IdP (Date header)');
  const summary = `the gate's clock is ${seconds} s ${side} the IdP's`;
  const fix = 'synchronise the clock with NTP (e.g. timedatectl set-ntp true)';
  if (skew >= CLOCK_SKEW_MS) return doctorFail('clock', summary, fix);
  if (skew >= CLOCK_WARN_MS) return doctorFail('clock', summary, fix, 'warn');
  return doctorOk('clock', `in sync with the IdP (${seconds} s apart)`);
}
