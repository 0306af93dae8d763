/**
 * Page templates: the layout (header, main landmark, footer), status pills, cards, definition lists.
 * Plain HTML with a local stylesheet, built with the escaping `html` tag (safe-html.ts): every
 * interpolated value is escaped unless it is SafeHtml.
 * @module
 */

import { html, type SafeHtml } from './safe-html.js';

export { type HtmlValue, html, isSafeHtml, joinHtml, raw, type SafeHtml } from './safe-html.js';

/** What the layout shows around a page body. */
export interface LayoutInput {
  readonly title: string;
  readonly body: SafeHtml;
  /** The signed-in person's display name, when any. */
  readonly who?: string | null;
  /** The product name in the header. @default 'Recovery Gate' */
  readonly gateName?: string;
}

/** The whole document. */
export function layout(input: LayoutInput): SafeHtml {
  const name = input.gateName ?? 'Recovery Gate';
  const who = input.who ? html`<p class="who">Signed in as <strong>${input.who}</strong></p>` : null;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${input.title} · ${name}</title>
<link rel="stylesheet" href="/assets/gate.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top" role="banner">
<div class="wrap top-row">
<p class="brand"><span class="mark" aria-hidden="true">RG</span> ${name}</p>
${who}
</div>
</header>
<main id="main" class="wrap" tabindex="-1">
${input.body}
</main>
<footer class="foot" role="contentinfo">
<div class="wrap"><p>${name} protects account recovery. It never asks for your password by phone or email.</p></div>
</footer>
</body>
</html>`;
}

/** Tones of a status pill or notice. */
export type Tone = 'ok' | 'wait' | 'bad' | 'info';

const STATE_TONE: Readonly<Record<string, Tone>> = {
  requested: 'wait',
  verifying: 'wait',
  held: 'wait',
  executing: 'info',
  completed: 'ok',
  denied: 'bad',
  cancelled: 'bad',
  expired: 'bad',
  failed: 'bad',
  repudiated: 'bad',
};

const STATE_LABEL: Readonly<Record<string, string>> = {
  requested: 'Requested',
  verifying: 'Waiting for verification',
  held: 'On hold',
  executing: 'Ready',
  completed: 'Completed',
  denied: 'Denied',
  cancelled: 'Cancelled',
  expired: 'Expired',
  failed: 'Failed',
  repudiated: 'Reported: not the subject',
};

/** A coloured pill naming a case state. */
export function statePill(state: string): SafeHtml {
  return pill(STATE_TONE[state] ?? 'info', STATE_LABEL[state] ?? state);
}

/** A pill with a tone. */
export function pill(tone: Tone, text: string): SafeHtml {
  return html`<span class="pill pill-${tone}">${text}</span>`;
}

/** A card section with a heading. */
export function card(heading: string, body: SafeHtml, extraClass = ''): SafeHtml {
  const id = `h-${heading.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return html`<section class="card ${extraClass}" aria-labelledby="${id}">
<h2 id="${id}">${heading}</h2>
${body}
</section>`;
}

/** A definition list of label -> value (text is escaped, SafeHtml kept). */
export function facts(rows: readonly (readonly [string, SafeHtml | string])[]): SafeHtml {
  return html`<dl class="facts">${rows.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

/** A notice box (role=status, or role=alert for `bad`). */
export function notice(tone: Tone, text: string): SafeHtml {
  const role = tone === 'bad' ? 'alert' : 'status';
  return html`<div class="notice notice-${tone}" role="${role}"><p>${text}</p></div>`;
}

/** A page with one message card (errors, refusals, confirmations). */
export function messagePage(
  title: string,
  message: string,
  tone: Tone,
  extra: SafeHtml | null = null,
): { readonly title: string; readonly body: SafeHtml } {
  return {
    title,
    body: html`<section class="card card-${tone} narrow" aria-labelledby="msg-title">
<h1 id="msg-title">${title}</h1>
<p>${message}</p>
${extra}
</section>`,
  };
}

/** The hidden CSRF field every form carries (the router checks it on every state-changing request). */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}

/** Human words for a recovery action. */
export function actionLabel(action: string): string {
  const labels: Readonly<Record<string, string>> = {
    password_reset: 'Password reset',
    account_unlock: 'Account unlock',
    mfa_reset: 'Reset of all sign-in methods',
    authenticator_rebind: 'Replace a lost or new device',
    recovery_contact_change: 'Change of recovery phone or email',
    emergency_access: 'Emergency access',
  };
  return labels[action] ?? action;
}

/** A date as UTC text for people (plain text: interpolate it into `html`). */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
