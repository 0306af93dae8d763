import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { baselinePolicyInput } from './baseline.js';
import { policyJsonSchema } from './load.js';

describe('policyJsonSchema with a JSON Schema validator (as an editor uses it)', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validate = ajv.compile(policyJsonSchema());

  it('accepts the baseline policy as written', () => {
    expect(validate(JSON.parse(JSON.stringify(baselinePolicyInput)))).toBe(true);
  });

  it('flags a typo, a banned evidence kind and a bad duration', () => {
    const copy = JSON.parse(JSON.stringify(baselinePolicyInput));
    copy.tiers.T1.credential.singelUse = true;
    expect(validate(copy)).toBe(false);
    const banned = JSON.parse(JSON.stringify(baselinePolicyInput));
    banned.tiers.T1.evidence = { anyOf: ['kba'] };
    expect(validate(banned)).toBe(false);
    const duration = JSON.parse(JSON.stringify(baselinePolicyInput));
    duration.tiers.T1.freshness.evidenceMaxAge = '10 minutes';
    expect(validate(duration)).toBe(false);
  });
});
