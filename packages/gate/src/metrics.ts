/**
 * A small Prometheus registry: counters, gauges and histograms, rendered in the text exposition format.
 * @module
 */

import type { Metrics } from './types.js';

type Kind = 'counter' | 'gauge' | 'histogram';

/** The declaration of one metric family. */
export interface MetricDefinition {
  readonly name: string;
  readonly kind: Kind;
  readonly help: string;
  /** Histogram upper bounds, ascending. */
  readonly buckets?: readonly number[];
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const RESTORE_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400];

/** The gate's metric families. */
export const GATE_METRICS: readonly MetricDefinition[] = [
  { name: 'recovery_cases_total', kind: 'counter', help: 'Recovery cases ended, by IdP, tier and outcome.' },
  {
    name: 'recovery_time_to_restore_seconds',
    kind: 'histogram',
    help: 'Time from request to restored access.',
    buckets: RESTORE_BUCKETS,
  },
  { name: 'recovery_denials_total', kind: 'counter', help: 'Recovery cases denied, by reason.' },
  { name: 'recovery_cancellations_total', kind: 'counter', help: 'Recovery cases cancelled, by reason.' },
  {
    name: 'recovery_bypass_detections_total',
    kind: 'counter',
    help: 'Native-console recoveries around the policy, by IdP and mode.',
  },
  {
    name: 'recovery_hook_ack_seconds',
    kind: 'histogram',
    help: 'Time from receiving a hook to acknowledging it.',
    buckets: LATENCY_BUCKETS,
  },
  {
    name: 'recovery_poller_lag_seconds',
    kind: 'gauge',
    help: 'Now minus the newest event time read, by IdP and stream.',
  },
  { name: 'recovery_hooks_forged_total', kind: 'counter', help: 'Hook requests that failed authentication.' },
  {
    name: 'recovery_code_attempts_total',
    kind: 'counter',
    help: 'Saved recovery codes tried on the verification page, by outcome (accepted, rejected, limited).',
  },
  {
    name: 'recovery_links_refused_total',
    kind: 'counter',
    help: 'Refused uses of case links (used, expired, unknown, someone else), by purpose and reason.',
  },
  { name: 'recovery_events_total', kind: 'counter', help: 'External events taken in, by IdP and source.' },
  {
    name: 'recovery_poller_errors_total',
    kind: 'counter',
    help: 'Poll runs that failed, by IdP and stream.',
  },
  { name: 'recovery_events_failed_total', kind: 'counter', help: 'Event processing attempts that failed.' },
  {
    name: 'recovery_notifications_total',
    kind: 'counter',
    help: 'Notifications sent, by channel and result.',
  },
  {
    name: 'recovery_reviews_open',
    kind: 'gauge',
    help: 'Post-event reviews open, by kind (review_required, break_glass, bypass, repudiation).',
  },
  {
    name: 'recovery_reviews_overdue',
    kind: 'gauge',
    help: 'Post-event reviews open past their due time, by kind.',
  },
  { name: 'recovery_reviews_opened_total', kind: 'counter', help: 'Post-event reviews opened, by kind.' },
  {
    name: 'recovery_reviews_closed_total',
    kind: 'counter',
    help: 'Post-event reviews closed, by kind and outcome.',
  },
  {
    name: 'recovery_idp_upkeep_total',
    kind: 'counter',
    help: 'IdP upkeep done by the running gate (Entra subscriptions renewed or recreated), by IdP, kind and op.',
  },
  {
    name: 'recovery_idp_upkeep_failures_total',
    kind: 'counter',
    help: 'IdP upkeep runs that failed, by IdP.',
  },
  {
    name: 'recovery_idp_upkeep_expiry_seconds',
    kind: 'gauge',
    help: 'Seconds until the soonest item the upkeep keeps alive expires (Entra subscriptions), by IdP.',
  },
];

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

interface Family {
  readonly def: MetricDefinition;
  readonly values: Map<string, number>;
  readonly histograms: Map<string, Histogram>;
}

function labelKey(labels: Readonly<Record<string, string>> | undefined): string {
  if (labels === undefined) return '';
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`)
    .join(',');
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function withLabel(key: string, extra: string): string {
  return `{${key.length > 0 ? `${key},${extra}` : extra}}`;
}

function fmt(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** Creates a registry with the gate's families declared; undeclared names are created on first use. */
export function createMetrics(definitions: readonly MetricDefinition[] = GATE_METRICS): Metrics {
  const families = new Map<string, Family>();
  const declare = (def: MetricDefinition): Family => {
    const family = { def, values: new Map<string, number>(), histograms: new Map<string, Histogram>() };
    families.set(def.name, family);
    return family;
  };
  for (const def of definitions) declare(def);
  const family = (name: string, kind: Kind): Family => {
    const found = families.get(name);
    if (found === undefined) return declare({ name, kind, help: name });
    if (found.def.kind !== kind) throw new Error(`Metric ${name} is a ${found.def.kind}, not a ${kind}.`);
    return found;
  };
  return {
    inc(name, labels, value = 1) {
      const f = family(name, 'counter');
      const key = labelKey(labels);
      f.values.set(key, (f.values.get(key) ?? 0) + value);
    },
    set(name, value, labels) {
      family(name, 'gauge').values.set(labelKey(labels), value);
    },
    observe(name, value, labels) {
      const f = family(name, 'histogram');
      const bounds = f.def.buckets ?? LATENCY_BUCKETS;
      const key = labelKey(labels);
      let h = f.histograms.get(key);
      if (h === undefined) {
        h = { counts: bounds.map(() => 0), sum: 0, count: 0 };
        f.histograms.set(key, h);
      }
      bounds.forEach((bound, i) => {
        if (value <= bound) h.counts[i] = (h.counts[i] ?? 0) + 1;
      });
      h.sum += value;
      h.count += 1;
    },
    render: () => [...families.values()].map(renderFamily).join(''),
  };
}

function renderFamily(f: Family): string {
  const { name, kind, help } = f.def;
  const lines = [
    `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`,
    `# TYPE ${name} ${kind}`,
  ];
  if (kind !== 'histogram') {
    for (const [key, value] of f.values)
      lines.push(`${name}${key.length > 0 ? `{${key}}` : ''} ${fmt(value)}`);
  } else {
    const bounds = f.def.buckets ?? LATENCY_BUCKETS;
    for (const [key, h] of f.histograms) {
      bounds.forEach((bound, i) => {
        lines.push(`${name}_bucket${withLabel(key, `le="${fmt(bound)}"`)} ${h.counts[i] ?? 0}`);
      });
      lines.push(`${name}_bucket${withLabel(key, 'le="+Inf"')} ${h.count}`);
      const suffix = key.length > 0 ? `{${key}}` : '';
      lines.push(`${name}_sum${suffix} ${fmt(h.sum)}`, `${name}_count${suffix} ${h.count}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
