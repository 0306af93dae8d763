/**
 * Builds notification transports from the `notifications` section.
 * @module
 */

import type { GateConfig } from '../config/index.js';
import type { Transports } from './outbox.js';
import { createSmsWebhookTransport, createSmtpTransport, createWebhookTransport } from './transports.js';

/** The transports the configuration names (a channel left out has none). */
export function transportsFromConfig(notifications: GateConfig['notifications']): Transports {
  const { security, email, sms } = notifications;
  return {
    ...(security === undefined ? {} : { security: createWebhookTransport({ url: security.webhook }) }),
    ...(email === undefined ? {} : { email: createSmtpTransport({ url: email.smtp, from: email.from }) }),
    ...(sms === undefined ? {} : { phone: createSmsWebhookTransport({ url: sms.webhook }) }),
  };
}
