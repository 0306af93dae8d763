import { runProviderContract } from '@recovery-gate/core/testing';
import { createContractHarness } from './harness.js';

runProviderContract(createContractHarness());
