/**
 * Test support for the gate: throwaway stores on both backends (with a shared, pre-initialised embedded
 * database so tests skip initdb), real local HTTP and SMTP sinks, a scripted provider, recording doubles.
 * @module
 */

export { createMemoryAudit, createRecordingOrchestrator, type RecordingOrchestrator } from './doubles.js';
export { createTestProvider, type TestProvider, testEvent } from './provider.js';
export { type HttpSink, type Mail, type SmtpSink, startHttpSink, startSmtpSink } from './sinks.js';
export {
  BACKENDS,
  type Backend,
  prepareEmbeddedTemplate,
  seedEmbeddedDir,
  TEST_DATABASE_URL,
  type TestLocation,
  testLocation,
} from './stores.js';
