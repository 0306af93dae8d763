import { runProviderContract } from '@recovery-gate/core/testing';
import { createContractHarness } from '../testing/index.js';

// Against a real org (OKTA_ORG_URL / OKTA_API_TOKEN) the first run is the org as it is.
const first = createContractHarness();
runProviderContract(first);
// D7: Okta's TAC guide sends `config.ttl` + `authenticatorType` where its API description sends `profile.ttl`;
// the contract holds whichever body the org honours.
runProviderContract({
  ...createContractHarness({ emulator: { tacRequestBody: 'config' } }),
  name: 'okta (emulator, TAC body as in the guide)',
});
// D7: Okta enforces the org's TAC authenticator settings on every TAC; this org allows 10-720 minutes (the TAC
// guide's example) and no multi-use: the contract holds there too.
if (!first.realTenant)
  runProviderContract({
    ...createContractHarness({
      emulator: { tacAuthenticator: { maxTtl: 720, defaultTtl: 480, multiUseAllowed: false } },
    }),
    name: 'okta (emulator, TAC authenticator 10-720 minutes, single use only)',
  });
// D3: Okta does not document whether a Temporary Access Code signs in a user in RECOVERY; the first run has the
// emulator refuse it (its default), this one allows it: the adapter must be right under either.
if (!first.realTenant)
  runProviderContract(createContractHarness({ emulator: { recoveryTacSignIn: 'allowed' } }));
