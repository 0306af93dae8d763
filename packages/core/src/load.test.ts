import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { baselinePolicyInput } from './baseline.js';
import { isGateError } from './errors.js';
import {
  configIssues,
  loadPolicyYaml,
  parseConfig,
  parsePolicy,
  parseYaml,
  policyJsonSchema,
  readConfigIssues,
} from './load.js';
import { policySchema } from './schema/policy.js';

/** The policy sections of shared/examples/recovery-gate.example.yaml, with contractor ranked above finance. */
const EXAMPLE = `
version: 1
subjects:
  privileged:
    match:
      anyOf:
        - adminRole: "*"
        - group: Tier0-Admins
  executive:  { match: { group: Executives } }
  contractor:
    match: { attribute: { employeeType: contractor } }
    require: [sponsor, contractEnd]
  finance:    { match: { group: Finance } }
  standard:   { match: always }
tiers:
  T1:
    evidence: { anyOf: [device_challenge, oidc_step_up] }
    freshness: { evidenceMaxAge: 10m }
    credential: { lifetime: 60m, singleUse: true }
    revoke: [sessions, refresh_tokens]
    notify: [subject]
  T2:
    evidence:
      atLeast: 2
      of: [device_challenge, oidc_step_up, phone_otp, manager_approval]
      independentChannels: true
    freshness: { evidenceMaxAge: 15m, channelMinAge: 30d }
    credential: { lifetime: 30m, singleUse: true }
    revoke: [sessions, refresh_tokens, grants]
    notify: [subject, security]
  T3:
    evidence: { allOf: [manager_approval], atLeast: 1, of: [device_challenge, oidc_step_up, phone_otp] }
    approvals: [{ role: security_team }]
    hold: { duration: 1h, cancelLink: true }
    credential: { lifetime: 20m, singleUse: true }
    revoke: [sessions, refresh_tokens, grants]
    notify: [subject, security]
  T4:
    evidence: { allOf: [supervised_proofing], atLeast: 1, of: [device_challenge, oidc_step_up] }
    approvals: [{ role: security_team, count: 2 }]
    separation: { verifierIsNotExecutor: true }
    hold: { duration: 4h, cancelLink: true }
    credential: { lifetime: 15m, singleUse: true }
    revoke: [sessions, refresh_tokens, grants]
    notify: [subject, security]
  BREAK_GLASS:
    authorizers: [{ group: Incident-Commanders }]
    window: 2h
    review: required
matrix:
  password_reset:       { standard: T1, contractor: T3, finance: T2, executive: T3, privileged: T4 }
  account_unlock:       { standard: T1, contractor: T2, finance: T2, executive: T2, privileged: T4 }
  mfa_reset:            { standard: T2, contractor: T3, finance: T3, executive: T3, privileged: T4 }
  authenticator_rebind: { standard: T2, contractor: T3, finance: T3, executive: T3, privileged: T4 }
  recovery_contact_change: { standard: T2, contractor: T3, finance: T3, executive: T3, privileged: T4 }
  emergency_access:     { "*": BREAK_GLASS }
bypass: { mode: enforce }
`;

function failure(run: () => unknown): {
  code: string;
  message: string;
  issues: ReturnType<typeof readConfigIssues>;
} {
  try {
    run();
  } catch (error) {
    if (!isGateError(error)) throw error;
    return { code: error.code, message: error.message, issues: readConfigIssues(error) };
  }
  throw new Error('expected a GateError');
}

describe('loadPolicyYaml', () => {
  it('loads the example policy and applies defaults', () => {
    const policy = loadPolicyYaml(EXAMPLE);
    expect(policy.tiers.T1?.credential.lifetime).toBe('60m');
    expect(policy.tiers.T3?.hold?.notice).toBe(true);
    expect(policy.tiers.T1?.freshness.channelMinAge).toBe('7d');
    expect(policy.tiers.T1?.approvals).toEqual([]);
    expect(policy.bypass).toEqual({ mode: 'enforce', suspend: false, watch: '72h' });
  });

  it('refuses the example as written, where finance (declared above contractor) gets a lower tier', () => {
    const asWritten = EXAMPLE.replace(/ {2}contractor:\n(.*\n){2} {2}finance: .*\n/, (block) => {
      const lines = block.split('\n');
      return `${lines[3]}\n${lines.slice(0, 3).join('\n')}\n`;
    });
    const { code, issues } = failure(() => loadPolicyYaml(asWritten));
    expect(code).toBe('ERR_CONFIG_INVALID');
    expect(issues).toContainEqual(
      expect.objectContaining({
        path: 'matrix.password_reset.finance',
        message: expect.stringContaining('less strict'),
      }),
    );
  });

  it('names the path of a typo and never shows a stack trace', () => {
    const { code, message, issues } = failure(() =>
      loadPolicyYaml(
        EXAMPLE.replace(
          'singleUse: true }\n    revoke: [sessions, refresh_tokens]\n',
          'singelUse: true }\n    revoke: [sessions, refresh_tokens]\n',
        ),
      ),
    );
    expect(code).toBe('ERR_CONFIG_INVALID');
    expect(issues).toEqual([
      { path: 'tiers.T1.credential', message: 'Unrecognized key: "singelUse"', code: 'ERR_CONFIG_INVALID' },
    ]);
    expect(message).toContain('→ at tiers.T1.credential');
    expect(message).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
  });

  it.each([
    'kba',
    'knowledge_questions',
    'verbal_confirmation',
    'caller_id',
    'account_mailbox_link',
    'knowledge_based',
    'KBA',
    'Knowledge-Based',
    'security_questions',
    'security-question',
    'secret_questions',
    'callerid',
  ])('refuses the banned evidence kind %s with its path', (kind) => {
    const { issues } = failure(() =>
      loadPolicyYaml(
        EXAMPLE.replace('anyOf: [device_challenge, oidc_step_up] }', `anyOf: [device_challenge, ${kind}] }`),
      ),
    );
    expect(issues).toEqual([
      {
        path: 'tiers.T1.evidence.anyOf[1]',
        message: expect.stringContaining(`ERR_POLICY_BANNED_EVIDENCE: "${kind}" never counts`),
        code: 'ERR_POLICY_BANNED_EVIDENCE',
      },
    ]);
  });

  it('refuses a matrix naming an undefined tier or class', () => {
    const { issues } = failure(() =>
      loadPolicyYaml(EXAMPLE.replace('{ "*": BREAK_GLASS }', '{ "*": BREAK_GLAS, intern: T1 }')),
    );
    expect(issues.map((issue) => [issue.path, issue.code])).toEqual([
      ['matrix.emergency_access.*', 'ERR_POLICY_UNKNOWN_TIER'],
      ['matrix.emergency_access.intern', 'ERR_CONFIG_INVALID'],
    ]);
  });

  it('refuses a row that leaves a class without a tier', () => {
    const { issues } = failure(() =>
      loadPolicyYaml(
        EXAMPLE.replace(
          '{ standard: T2, contractor: T3, finance: T3, executive: T3, privileged: T4 }',
          '{ standard: T2 }',
        ),
      ),
    );
    expect(issues[0]).toMatchObject({ path: 'matrix.mfa_reset', code: 'ERR_POLICY_NO_TIER' });
  });

  it('refuses a credential lifetime over the hard cap, and a break-glass tier without review', () => {
    const text = EXAMPLE.replace('lifetime: 60m', 'lifetime: 9h').replace('review: required', 'review: none');
    const { issues } = failure(() => loadPolicyYaml(text));
    expect(issues.map((issue) => issue.path)).toEqual([
      'tiers.T1.credential.lifetime',
      'tiers.BREAK_GLASS.review',
    ]);
    expect(issues[0]?.message).toContain('hard cap of 8h');
  });

  it('refuses bad durations, a tier that requires nothing, and an impossible atLeast', () => {
    const text = EXAMPLE.replace('evidenceMaxAge: 10m', 'evidenceMaxAge: ten minutes')
      .replace('atLeast: 2\n', 'atLeast: 5\n')
      .replace('tiers:\n', 'tiers:\n  EMPTY: {}\n');
    const { issues } = failure(() => loadPolicyYaml(text));
    expect(issues).toContainEqual(
      expect.objectContaining({
        path: 'tiers.T1.freshness.evidenceMaxAge',
        message: expect.stringContaining('expected a duration'),
      }),
    );
    expect(issues).toContainEqual(expect.objectContaining({ path: 'tiers.T2.evidence.atLeast' }));
    const afterFix = failure(() => loadPolicyYaml(EXAMPLE.replace('tiers:\n', 'tiers:\n  EMPTY: {}\n')));
    expect(afterFix.issues).toContainEqual(expect.objectContaining({ path: 'tiers.EMPTY.evidence' }));
  });

  it('narrows a selector that fits no form to a readable message', () => {
    const { issues } = failure(() =>
      loadPolicyYaml(EXAMPLE.replace('{ match: { group: Executives } }', '{ match: { grop: Executives } }')),
    );
    expect(issues).toEqual([
      {
        path: 'subjects.executive.match',
        message: expect.stringContaining('{ group } or { adminRole }'),
        code: 'ERR_CONFIG_INVALID',
      },
    ]);
  });

  it('narrows unions the same way when the caller parsed without reportInput', () => {
    const cases: [string, string, string][] = [
      ['{ match: { group: Executives } }', '{ match: { grop: Executives } }', '{ group } or { adminRole }'],
      [
        'anyOf: [device_challenge, oidc_step_up] }',
        'anyOf: [device_challenge, kba] }',
        'ERR_POLICY_BANNED_EVIDENCE',
      ],
      [
        'anyOf: [device_challenge, oidc_step_up] }',
        'anyOf: [device_challenge, { allOf: [kba] }] }',
        'ERR_POLICY_BANNED_EVIDENCE',
      ],
    ];
    for (const [from, to, expected] of cases) {
      const result = policySchema.safeParse(parseYaml(EXAMPLE.replace(from, to)));
      expect(result.success).toBe(false);
      const issues = result.success ? [] : configIssues(result.error);
      expect(issues).toHaveLength(1);
      expect(issues[0]?.message).toContain(expected);
    }
  });

  it('reports YAML syntax errors by line and column without echoing the source', () => {
    const { code, message, issues } = failure(() => loadPolicyYaml('version: 1\nsecret: "s3cr3t-value\n'));
    expect(code).toBe('ERR_CONFIG_INVALID');
    expect(issues[0]?.path).toMatch(/^\(yaml line \d+, column \d+\)$/);
    expect(message).not.toContain('s3cr3t-value');
  });
});

describe('parsePolicy and parseConfig', () => {
  it('parses the baseline input', () => {
    expect(parsePolicy(baselinePolicyInput).tiers.T4?.hold?.duration).toBe('4h');
  });

  it('lets the gate extend the schema and keeps the cross-field checks', () => {
    const fileSchema = policySchema.extend({ storage: z.strictObject({}).optional().describe('storage') });
    const value = { ...(parseYaml(EXAMPLE) as object), storage: {} };
    expect(parseConfig(fileSchema, value).storage).toEqual({});
    const bad = {
      ...(parseYaml(EXAMPLE) as object),
      storage: {},
      matrix: { password_reset: { '*': 'NOPE' } },
    };
    const { issues } = failure(() => parseConfig(fileSchema, bad));
    expect(issues[0]).toMatchObject({ path: 'matrix.password_reset.*', code: 'ERR_POLICY_UNKNOWN_TIER' });
  });

  it('refuses a non-object and a wrong version', () => {
    expect(failure(() => parsePolicy('nope')).code).toBe('ERR_CONFIG_INVALID');
    expect(failure(() => parsePolicy({ ...baselinePolicyInput, version: 2 })).issues[0]?.path).toBe(
      'version',
    );
  });
});

describe('policyJsonSchema', () => {
  it('describes every top-level section, is strict, and lists only countable evidence kinds', () => {
    const schema = policyJsonSchema();
    const text = JSON.stringify(schema);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties as object)).toEqual([
      'version',
      'subjects',
      'tiers',
      'matrix',
      'bypass',
      'dateFormat',
    ]);
    expect(text).toContain('supervised_proofing');
    expect(text).not.toContain('"kba"');
    expect(text).toContain('@default');
  });
});
