/**
 * Security alerts: stored, audited, counted, and sent to the security channel (throttled per kind and IdP).
 * @module
 */

import type { AuditLog, Logger, Metrics, Notifier, Queryable } from '../types.js';

/** A security alert. `data` must be safe to store and show: never a presented secret. */
export interface SecurityAlert {
  readonly kind: 'hook.forged' | 'event.failed' | (string & {});
  readonly idp: string | null;
  readonly data: Readonly<Record<string, string | number | boolean | null>>;
}

/** What raising an alert needs. */
export interface AlertDeps {
  readonly store: Queryable;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly notifier?: Notifier;
  /** Minimum time between two notifications of one kind and IdP, so a flood does not flood people. @default 300000 */
  readonly notifyEveryMs?: number;
}

/** Creates the alert raiser. Every alert is stored and audited; notifications are throttled. */
export function createAlerts(deps: AlertDeps): (alert: SecurityAlert) => Promise<void> {
  const lastNotified = new Map<string, number>();
  const every = deps.notifyEveryMs ?? 300_000;
  return async (alert) => {
    const at = deps.now();
    await deps.store.query(
      'INSERT INTO security_alerts (at, kind, idp, data) VALUES ($1, $2, $3, $4::jsonb)',
      [at.toISOString(), alert.kind, alert.idp, JSON.stringify(alert.data)],
    );
    await deps.audit.append({
      type: alert.kind,
      caseId: null,
      actor: alert.idp === null ? 'gate' : `idp:${alert.idp}`,
      data: alert.data,
    });
    deps.logger.warn('security alert', { kind: alert.kind, idp: alert.idp, ...alert.data });
    const throttleKey = `${alert.kind}:${alert.idp ?? ''}`;
    const last = lastNotified.get(throttleKey);
    if (deps.notifier === undefined || (last !== undefined && at.getTime() - last < every)) return;
    lastNotified.set(throttleKey, at.getTime());
    await deps.notifier.send({
      to: { kind: 'security' },
      subject: `Recovery Gate security alert: ${alert.kind}`,
      text: `${alert.kind} on ${alert.idp ?? 'the gate'} at ${at.toISOString()}: ${JSON.stringify(alert.data)}`,
      idempotencyKey: `alert:${throttleKey}:${at.toISOString()}`,
    });
  };
}
