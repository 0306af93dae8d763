import { runProviderContract } from '@recovery-gate/core/testing';
import { createContractHarness } from '../emulator/harness.js';

runProviderContract(createContractHarness());
