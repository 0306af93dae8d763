/**
 * Test support for adapters: the provider contract suite and the OpenAPI conformance checker.
 * @module
 */

export { runProviderContract } from './contract.js';
export type { ContractContext, ProbeName, Requirement } from './contract-context.js';
export { expectGateError, skipNote } from './contract-context.js';
export { EVENT_KINDS, expectNormalised } from './contract-events.js';
export type { EndpointFault, FactFaultOptions, FactFaultRig } from './fact-faults.js';
export { factFaultCases } from './fact-faults.js';
export type * from './harness.js';
export type {
  ConformanceResult,
  OpenApiValidator,
  OpenApiValidatorOptions,
  RequestToValidate,
  ResponseToValidate,
} from './openapi.js';
export { createOpenApiValidator } from './openapi.js';
