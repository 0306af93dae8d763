import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('metrics', () => {
  it('renders counters, gauges and histograms in the Prometheus text format', () => {
    const m = createMetrics();
    m.inc('recovery_cases_total', { idp: 'okta', tier: 'T1', outcome: 'completed' });
    m.inc('recovery_cases_total', { outcome: 'completed', tier: 'T1', idp: 'okta' }, 2);
    m.set('recovery_poller_lag_seconds', 12.5, { idp: 'entra', stream: 'directory_audits' });
    m.observe('recovery_hook_ack_seconds', 0.02);
    m.observe('recovery_hook_ack_seconds', 3);
    m.inc('recovery_hooks_forged_total');
    const text = m.render();
    expect(text).toContain('# TYPE recovery_cases_total counter');
    expect(text).toContain('recovery_cases_total{idp="okta",outcome="completed",tier="T1"} 3');
    expect(text).toContain('recovery_poller_lag_seconds{idp="entra",stream="directory_audits"} 12.5');
    expect(text).toContain('recovery_hook_ack_seconds_bucket{le="0.01"} 0');
    expect(text).toContain('recovery_hook_ack_seconds_bucket{le="0.025"} 1');
    expect(text).toContain('recovery_hook_ack_seconds_bucket{le="5"} 2');
    expect(text).toContain('recovery_hook_ack_seconds_bucket{le="+Inf"} 2');
    expect(text).toContain('recovery_hook_ack_seconds_sum 3.02');
    expect(text).toContain('recovery_hook_ack_seconds_count 2');
    expect(text).toContain('recovery_hooks_forged_total 1');
    expect(text).toContain('# HELP recovery_bypass_detections_total');
  });

  it('escapes label values and refuses a kind mismatch', () => {
    const m = createMetrics();
    m.inc('recovery_denials_total', { reason: 'a "quoted"\nreason' });
    expect(m.render()).toContain('recovery_denials_total{reason="a \\"quoted\\"\\nreason"} 1');
    expect(() => m.set('recovery_denials_total', 1)).toThrow(/counter/);
  });
});
