/**
 * `recovery-gate doctor`: the read-only preflight for day one in a real tenant. Each configured IdP's
 * adapter checks its credential, permissions, event reading and clock; the gate adds whether the URL the
 * IdP will call (event hook, change notifications) is https and reachable. One line per check; exit 1 when
 * any check fails.
 * @module
 */

import { request } from 'node:https';
import type { DoctorCheck, DoctorStatus, IdpKind, IdpSettings } from '@recovery-gate/core';
import { doctorFail, doctorOk } from '@recovery-gate/core';
import { cliProviders, loadCliConfig } from './context.js';
import { type CliIo, EXIT, UsageError } from './io.js';

/** Options of `doctor`. */
export interface DoctorOptions {
  readonly config?: string;
  readonly json?: boolean;
  /** Extra trusted CA certificates for the hook URL probe (tests); the system's otherwise. */
  readonly ca?: string;
}

/** What `doctor --json` prints. */
export interface DoctorOutput {
  readonly ok: boolean;
  readonly providers: readonly { readonly idp: IdpKind; readonly checks: readonly DoctorCheck[] }[];
}

const HOOK_TIMEOUT_MS = 5_000;

/** GETs `url` over https; resolves with the HTTP status, or the transport error code. */
function probe(url: URL, ca: string | undefined): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: HOOK_TIMEOUT_MS, ...(ca ? { ca } : {}) }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });
}

/**
 * The URL `idp` will call: https, where the gate serves hooks under its public URL, and answering. Any
 * HTTP answer proves reachability (the gate refuses an unsigned GET); TLS, DNS or connection failures do not.
 */
export async function hookUrlCheck(
  idp: IdpKind,
  settings: Pick<IdpSettings, 'callbackUrlField'>,
  callbackUrl: string,
  publicUrl: string | undefined,
  ca?: string,
): Promise<DoctorCheck> {
  // Where the adapter reads the URL from, as it declares it (the config field differs per IdP).
  const field = settings.callbackUrlField ?? 'callback URL';
  const url = new URL(callbackUrl);
  if (url.protocol !== 'https:') {
    return doctorFail(
      'hook-url',
      `${callbackUrl} is not https: ${idp} only calls https URLs`,
      `publish the gate over TLS and set providers.${idp}.${field} to its https URL`,
    );
  }
  const expected =
    publicUrl === undefined ? null : new URL(`/hooks/${idp}`, `${publicUrl.replace(/\/+$/, '')}/`).href;
  const answer = await probe(url, ca);
  if ('error' in answer) {
    return doctorFail(
      'hook-url',
      `${callbackUrl} is not reachable (${answer.error})`,
      `publish the gate at that URL (DNS, a publicly trusted TLS certificate, firewall) so ${idp} can call it`,
    );
  }
  if (expected !== null && url.href !== expected) {
    return doctorFail(
      'hook-url',
      `${callbackUrl} answers (HTTP ${answer.status}) but the gate serves ${idp} hooks at ${expected} (server.publicUrl)`,
      `set providers.${idp}.${field} to ${expected}, or server.publicUrl to where the gate is published`,
      'warn',
    );
  }
  return doctorOk('hook-url', `${callbackUrl} is reachable over https (HTTP ${answer.status})`);
}

const LABEL: Readonly<Record<DoctorStatus, string>> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };

/** One line per check: `okta      FAIL  events: <what>; fix: <fix>`. */
export function renderDoctor(output: DoctorOutput): string {
  const lines: string[] = [];
  for (const { idp, checks } of output.providers) {
    for (const c of checks) {
      const fix = c.fix === null ? '' : `; fix: ${c.fix}`;
      lines.push(`${idp.padEnd(9)} ${LABEL[c.status]}  ${c.id}: ${c.summary}${fix}`);
    }
  }
  const all = output.providers.flatMap((p) => p.checks.map((c) => ({ idp: p.idp, ...c })));
  const failing = all.filter((c) => c.status === 'fail');
  const warnings = all.filter((c) => c.status === 'warn').length;
  lines.push(
    failing.length === 0
      ? `doctor: ${all.length} checks, none failed${warnings > 0 ? ` (${warnings} warning(s))` : ''}.`
      : `doctor: ${failing.length} of ${all.length} checks failed (${failing.map((c) => `${c.idp} ${c.id}`).join(', ')}).`,
  );
  return `${lines.join('\n')}\n`;
}

/** Runs the preflight against every configured IdP; returns 0 when no check failed, else 1. */
export async function doctor(options: DoctorOptions, io: CliIo): Promise<number> {
  const loaded = await loadCliConfig(options.config, io);
  const providers = await cliProviders(loaded, io);
  if (providers.size === 0)
    throw new UsageError('the configuration names no IdP under providers: nothing to check');
  const reports: { idp: IdpKind; checks: DoctorCheck[] }[] = [];
  for (const [idp, provider] of providers) {
    const pagesClientId = loaded.config.pages?.signIn[idp]?.clientId;
    const report = await provider.doctor(pagesClientId === undefined ? {} : { pagesClientId });
    const checks = [...report.checks];
    if (report.callbackUrl !== null) {
      checks.push(
        await hookUrlCheck(
          idp,
          provider.settings,
          report.callbackUrl,
          loaded.config.server.publicUrl,
          options.ca,
        ),
      );
    }
    reports.push({ idp, checks });
  }
  const output: DoctorOutput = {
    ok: reports.every((r) => r.checks.every((c) => c.status !== 'fail')),
    providers: reports,
  };
  io.stdout(options.json === true ? `${JSON.stringify(output, null, 2)}\n` : renderDoctor(output));
  return output.ok ? EXIT.ok : EXIT.failure;
}
