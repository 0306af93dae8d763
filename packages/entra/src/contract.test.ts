import { runProviderContract } from '@recovery-gate/core/testing';
import { createContractHarness } from '../testing/harness.js';

runProviderContract(createContractHarness());
