import { runProviderContract } from '@recovery-gate/core/testing';
import { createContractHarness } from '../emulator/harness.js';

runProviderContract(createContractHarness());
// D7: Okta's TAC guide sends `config.ttl` + `authenticatorType` where its API description sends `profile.ttl`;
// the contract holds whichever body the org honours.
runProviderContract({
  ...createContractHarness({ emulator: { tacRequestBody: 'config' } }),
  name: 'okta (emulator, TAC body as in the guide)',
});
