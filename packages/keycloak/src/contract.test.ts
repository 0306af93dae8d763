import { runProviderContract } from '@recovery-gate/core/testing';
import { createContractHarness } from '../emulator/harness.js';
import { createProvider } from './index.js';

runProviderContract(createContractHarness({ createProvider }));
