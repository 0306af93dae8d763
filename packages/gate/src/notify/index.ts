/**
 * Notifications: transports and the outbox that sends each idempotency key once.
 * @module
 */

export { transportsFromConfig } from './from-config.js';
export type { OutboxNotifier, OutboxOptions, Transports } from './outbox.js';
export { createOutboxNotifier, describeRecipient } from './outbox.js';
export type { SmtpTransportOptions, Transport, WebhookTransportOptions } from './transports.js';
export {
  createSmsWebhookTransport,
  createSmtpTransport,
  createWebhookTransport,
  renderText,
} from './transports.js';
