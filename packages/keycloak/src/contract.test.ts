import { runProviderContract } from '@recovery-gate/core/testing';
import { createContractHarness } from '../testing/index.js';
import { createProvider } from './index.js';

runProviderContract(createContractHarness({ createProvider }));
