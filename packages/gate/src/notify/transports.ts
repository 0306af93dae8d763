/**
 * Notification transports: a generic webhook (Slack/Teams-compatible JSON), SMTP, and an SMS gateway webhook.
 * Endpoint URLs often embed a token (Slack webhooks, SMTP credentials), so they are Secrets and never logged.
 * @module
 */

import type { Secret } from '@recovery-gate/core';
import nodemailer from 'nodemailer';
import type { Notification } from '../types.js';

/** Delivers one notification; throws when the far end refused or failed. */
export interface Transport {
  deliver(notification: Notification): Promise<void>;
  /**
   * Delivers several notifications in one message (all or none: it throws when the far end refused), so a
   * flood of alerts after an outage is a few digests, not one call each. Only channels with one recipient.
   */
  deliverMany?(notifications: readonly Notification[]): Promise<void>;
  /** Notifications one {@link Transport.deliverMany} call takes at most. */
  readonly maxPerMessage?: number;
  close?(): Promise<void>;
}

/** The plain-text body with links listed after it. */
export function renderText(n: Notification): string {
  const links = (n.links ?? []).map((l) => `${l.label}: ${l.url}`);
  return [n.text, ...links].join('\n\n');
}

async function postJson(url: Secret, body: unknown, timeoutMs: number): Promise<void> {
  const response = await fetch(url.reveal(), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    redirect: 'error',
    signal: AbortSignal.timeout(timeoutMs),
  });
  await response.arrayBuffer().catch(() => undefined);
  // The URL is a secret: the error names only the status.
  if (!response.ok) throw new Error(`The webhook answered HTTP ${response.status}.`);
}

/** Options for {@link createWebhookTransport}. */
export interface WebhookTransportOptions {
  readonly url: Secret;
  /** @default 5000 */
  readonly timeoutMs?: number;
}

/** Notifications in one webhook digest at most (Slack cuts a message's `text` at 40,000 characters). */
export const WEBHOOK_DIGEST_MAX = 50;

/** One notification's text in a webhook message. */
function webhookText(n: Notification): string {
  return `*${n.subject}*\n${renderText(n)}`;
}

/**
 * Posts `{ text, subject, links }` as JSON: Slack and Teams incoming webhooks read `text`. Several at once
 * go as one digest `{ text, subject, links, notifications: [{ subject, text, links }] }` (Slack allows about
 * one message per second per webhook: a flood of single posts would be refused).
 */
export function createWebhookTransport(options: WebhookTransportOptions): Transport {
  const timeoutMs = options.timeoutMs ?? 5000;
  return {
    maxPerMessage: WEBHOOK_DIGEST_MAX,
    deliver: (n) =>
      postJson(options.url, { text: webhookText(n), subject: n.subject, links: n.links ?? [] }, timeoutMs),
    async deliverMany(ns) {
      if (ns.length === 0) return;
      const subject = `Recovery Gate: ${ns.length} notifications`;
      const body = {
        text: [`*${subject}*`, ...ns.map(webhookText)].join('\n\n'),
        subject,
        links: ns.flatMap((n) => n.links ?? []),
        notifications: ns.map((n) => ({ subject: n.subject, text: renderText(n), links: n.links ?? [] })),
      };
      await postJson(options.url, body, timeoutMs);
    },
  };
}

/** Posts `{ to, text }` to an SMS gateway. */
export function createSmsWebhookTransport(options: WebhookTransportOptions): Transport {
  return {
    async deliver(n) {
      if (n.to.kind !== 'phone') throw new Error('The SMS gateway only sends to phone numbers.');
      await postJson(
        options.url,
        { to: n.to.address, text: `${n.subject}: ${renderText(n)}` },
        options.timeoutMs ?? 5000,
      );
    },
  };
}

/** Options for {@link createSmtpTransport}. */
export interface SmtpTransportOptions {
  /** `smtp://user:pass@host:587` or `smtps://...`. */
  readonly url: Secret;
  readonly from: string;
}

/** Sends mail over SMTP with nodemailer. */
export function createSmtpTransport(options: SmtpTransportOptions): Transport {
  const transporter = nodemailer.createTransport(options.url.reveal());
  return {
    async deliver(n) {
      if (n.to.kind !== 'email') throw new Error('SMTP only sends to email addresses.');
      await transporter.sendMail({
        from: options.from,
        to: n.to.address,
        subject: n.subject,
        text: renderText(n),
      });
    },
    async close() {
      transporter.close();
    },
  };
}
