/**
 * Page templates: the layout (header, main landmark, footer), status pills, cards, definition lists.
 * Plain HTML with a local stylesheet; every interpolated value is escaped.
 * @module
 */

/** Escapes text for HTML element content and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** What the layout shows around a page body. */
export interface LayoutInput {
  readonly title: string;
  readonly body: string;
  /** The signed-in person's display name, when any. */
  readonly who?: string | null;
  /** The product name in the header. @default 'Recovery Gate' */
  readonly gateName?: string;
}

/** The whole document. */
export function layout(input: LayoutInput): string {
  const name = input.gateName ?? 'Recovery Gate';
  const who = input.who ? `<p class="who">Signed in as <strong>${esc(input.who)}</strong></p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(input.title)} · ${esc(name)}</title>
<link rel="stylesheet" href="/assets/gate.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top" role="banner">
<div class="wrap top-row">
<p class="brand"><span class="mark" aria-hidden="true">RG</span> ${esc(name)}</p>
${who}
</div>
</header>
<main id="main" class="wrap" tabindex="-1">
${input.body}
</main>
<footer class="foot" role="contentinfo">
<div class="wrap"><p>${esc(name)} protects account recovery. It never asks for your password by phone or email.</p></div>
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
export function statePill(state: string): string {
  const tone = STATE_TONE[state] ?? 'info';
  return `<span class="pill pill-${tone}">${esc(STATE_LABEL[state] ?? state)}</span>`;
}

/** A pill with a tone. */
export function pill(tone: Tone, text: string): string {
  return `<span class="pill pill-${tone}">${esc(text)}</span>`;
}

/** A card section with a heading; `body` is trusted HTML. */
export function card(heading: string, body: string, extraClass = ''): string {
  const id = `h-${heading.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return `<section class="card ${extraClass}" aria-labelledby="${id}">
<h2 id="${id}">${esc(heading)}</h2>
${body}
</section>`;
}

/** A definition list of label -> trusted HTML value. */
export function facts(rows: readonly (readonly [string, string])[]): string {
  return `<dl class="facts">${rows.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${v}</dd></div>`).join('')}</dl>`;
}

/** A notice box (role=status, or role=alert for `bad`). */
export function notice(tone: Tone, text: string): string {
  const role = tone === 'bad' ? 'alert' : 'status';
  return `<div class="notice notice-${tone}" role="${role}"><p>${esc(text)}</p></div>`;
}

/** A page with one message card (errors, refusals, confirmations). */
export function messagePage(
  title: string,
  message: string,
  tone: Tone,
  extra = '',
): { readonly title: string; readonly body: string } {
  return {
    title,
    body: `<section class="card card-${tone} narrow" aria-labelledby="msg-title">
<h1 id="msg-title">${esc(title)}</h1>
<p>${esc(message)}</p>
${extra}
</section>`,
  };
}

/** The hidden CSRF field every form carries. */
export function csrfField(token: string): string {
  return `<input type="hidden" name="csrf" value="${esc(token)}">`;
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

/** A date as UTC text for people. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? esc(iso) : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
