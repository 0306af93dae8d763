/**
 * The demo inbox (`recovery-gate demo` only, never `serve`): every email, SMS and chat message the gate sent
 * (to whom, when, the text and links), the emails the IdP sent itself, and for each person of the cast the
 * code their authenticator app shows or a button to answer a push waiting on their phone. It stands in for
 * the phones and mailboxes of the emulated tenants, so a person can finish every flow in a browser.
 * @module
 */

import { randomBytes } from 'node:crypto';
import type { CaseEngine } from '../orchestrator/index.js';
import { html, layout, type SafeHtml } from '../pages/html.js';
import { htmlResponse, readForm, redirect } from '../pages/respond.js';
import type { RequestContext, RouteResponse, Router } from '../server/router.js';
import type { Notification } from '../types.js';
import type { WaitingPush } from './devices.js';
import { CAST, type DemoTenant } from './tenants.js';

/** Where the inbox is served. */
export const INBOX_PATH = '/demo/inbox';

/** A notification the gate sent, with when. */
export interface SentMessage {
  readonly at: Date;
  readonly notification: Notification;
}

/** What the inbox shows. */
export interface InboxDeps {
  readonly tenants: readonly DemoTenant[];
  readonly sent: readonly SentMessage[];
  /** Channel address -> cast name (who a message went to). */
  readonly owners: ReadonlyMap<string, string>;
  readonly engine: Pick<CaseEngine, 'getCase'>;
}

/** The sign-in name of a cast member on an IdP (Keycloak usernames, elsewhere the email). */
export function signInName(tenant: Pick<DemoTenant, 'idp'>, name: string): string {
  return tenant.idp === 'keycloak' ? name : `${name}@example.com`;
}

/** A link's href, only for http(s) URLs (anything else is shown as inert text). */
function safeHref(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

const time = (at: Date | number): string => new Date(at).toISOString().slice(11, 19);

function links(list: readonly { readonly label: string; readonly url: string }[] | undefined): SafeHtml {
  return html`${(list ?? []).map((l) => {
    const href = safeHref(l.url);
    return href === null
      ? html`<li>${l.label}: ${l.url}</li>`
      : html`<li><a href="${href}">${l.label}</a> <span class="mono">${l.url}</span></li>`;
  })}`;
}

async function caseLabel(deps: InboxDeps, key: string): Promise<string> {
  const caseId = key.split(':')[0] ?? '';
  if (!/^[0-9a-f-]{36}$/.test(caseId)) return '';
  const c = await deps.engine.getCase(caseId).catch(() => null);
  if (c === null) return '';
  const tenant = deps.tenants.find((t) => t.idp === c.idp);
  return `${c.idp} · ${tenant?.names.get(c.subjectId) ?? c.subjectLogin ?? c.subjectId}'s case`;
}

function recipient(deps: InboxDeps, n: Notification): string {
  if (n.to.kind === 'security') return 'security team (chat webhook)';
  const owner = deps.owners.get(n.to.address);
  const how = n.to.kind === 'phone' ? 'SMS to' : 'email to';
  return `${how} ${n.to.address}${owner === undefined ? '' : ` (${owner})`}`;
}

async function messages(deps: InboxDeps): Promise<SafeHtml> {
  const rows: { at: number; row: SafeHtml }[] = [];
  for (const m of deps.sent) {
    const n = m.notification;
    const about = await caseLabel(deps, n.idempotencyKey);
    rows.push({
      at: m.at.getTime(),
      row: html`<tr><td class="mono">${time(m.at)}</td><td>${recipient(deps, n)}</td>
<td><strong>${n.subject}</strong>${about ? html` <span class="hint">(${about})</span>` : ''}<br>${n.text}<ul>${links(n.links)}</ul></td></tr>`,
    });
  }
  for (const t of deps.tenants) {
    for (const mail of t.devices?.idpMail() ?? []) {
      rows.push({
        at: mail.at,
        row: html`<tr><td class="mono">${time(mail.at)}</td><td>email to ${mail.to}, sent by ${t.idp} itself</td>
<td><strong>${mail.subject}</strong><ul>${links([{ label: 'Open the link', url: mail.link }])}</ul></td></tr>`,
      });
    }
  }
  rows.sort((a, b) => b.at - a.at);
  if (rows.length === 0) return html`<p>Nothing sent yet.</p>`;
  return html`<table><thead><tr><th>Time (UTC)</th><th>To</th><th>Message</th></tr></thead><tbody>${rows.map((r) => r.row)}</tbody></table>`;
}

function pushForm(csrf: string, idp: string, name: string, push: WaitingPush): SafeHtml {
  const what = push.source === 'recovery' ? 'Recovery Gate asks' : 'Sign-in asks';
  const number = push.number === null ? '' : html`, number <strong>${push.number}</strong>`;
  const button = (answer: string, label: string, cls: string) =>
    html`<button class="btn ${cls}" type="submit" name="answer" value="${answer}">${label}</button>`;
  const hidden = html`<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="idp" value="${idp}">
<input type="hidden" name="person" value="${name}"><input type="hidden" name="source" value="${push.source}">`;
  if (push.choices !== null) {
    // Number matching: the phone offers three numbers; the right one is on the gate's verification page.
    const pick = (n: string) =>
      html`<button class="btn" type="submit" name="picked" value="${n}" aria-label="Pick ${n} for ${name}">${n}</button>`;
    return html`<form method="post" action="${INBOX_PATH}/push" class="push">${hidden}
<input type="hidden" name="answer" value="approve">
<p>${what}: tap the number shown on your recovery page</p><div class="actions number-choices">${push.choices.map(pick)}</div>
</form><form method="post" action="${INBOX_PATH}/push" class="push">${hidden}
<div class="actions">${button('reject', 'Deny: this was not me', 'btn-quiet')}</div></form>`;
  }
  return html`<form method="post" action="${INBOX_PATH}/push" class="push">${hidden}
<p>${what}${number}</p><div class="actions">${button('approve', `Approve for ${name}`, '')}${button('reject', 'Deny', 'btn-quiet')}</div>
</form>`;
}

async function castTable(tenant: DemoTenant, csrf: string): Promise<SafeHtml> {
  const devices = tenant.devices;
  const rows: SafeHtml[] = [];
  for (const name of CAST) {
    const id = await tenant.id(name).catch(() => null);
    if (id === null) continue;
    const code = devices === null ? undefined : await devices.totp(id);
    const pushes = devices?.pushes(id) ?? [];
    // Only phones with something on them: a code to type or a push to answer.
    if (code === undefined && pushes.length === 0) continue;
    rows.push(html`<tr id="${tenant.idp}-${name}"><td>${name}</td><td class="mono">${signInName(tenant, name)}</td>
<td>${code === undefined ? html`<span class="hint">none</span>` : html`<strong class="mono otp">${code}</strong>`}</td>
<td>${pushes.length === 0 ? html`<span class="hint">nothing waiting</span>` : pushes.map((p) => pushForm(csrf, tenant.idp, name, p))}</td></tr>`);
  }
  const heading = html`<h2 id="cast-${tenant.idp}">${tenant.idp}: the cast's phones</h2>`;
  if (rows.length === 0) {
    return html`<section class="card" aria-labelledby="cast-${tenant.idp}">${heading}<p>Nothing waiting on anyone's phone. A push appears here when a sign-in or the gate asks for one; refresh.</p></section>`;
  }
  return html`<section class="card" aria-labelledby="cast-${tenant.idp}">${heading}
<table><thead><tr><th>Person</th><th>Signs in as</th><th>Authenticator app code</th><th>Waiting on the phone</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

async function inboxPage(deps: InboxDeps, csrf: string, ctx: RequestContext): Promise<RouteResponse> {
  const answered = ctx.url.searchParams.get('answered');
  const note =
    answered === 'approve' || answered === 'reject'
      ? html`<div class="notice notice-ok" role="status"><p>Push ${answered === 'approve' ? 'approved' : 'denied'}. Go back to the sign-in page: it continues by itself.</p></div>`
      : answered === 'picked'
        ? html`<div class="notice notice-ok" role="status"><p>Number sent. Reload the recovery page: it says whether the push was approved (the wrong number denies it).</p></div>`
        : answered === 'none'
          ? html`<div class="notice notice-bad" role="alert"><p>No push was waiting any more.</p></div>`
          : '';
  const cast = await Promise.all(deps.tenants.map((t) => castTable(t, csrf)));
  const body = html`<h1>Demo inbox</h1>
<p class="lead">Stands in for the cast's phones and mailboxes on the emulated tenants (demo only; the gate never serves this page in <span class="mono">serve</span>). <a href="${INBOX_PATH}">Refresh</a> after each step. <a href="#h-messages">Jump to the messages</a>. The password of everyone is <span class="mono">Demo-Passw0rd!</span>.</p>
${note}
${cast}
<section class="card" aria-labelledby="h-messages"><h2 id="h-messages">Messages the gate sent, newest first</h2>${await messages(deps)}</section>`;
  return htmlResponse(200, layout({ title: 'Demo inbox', body }));
}

async function pushPost(deps: InboxDeps, ctx: RequestContext): Promise<RouteResponse> {
  const form = await readForm(ctx);
  const tenant = deps.tenants.find((t) => t.idp === form.get('idp'));
  const name = CAST.find((n) => n === form.get('person'));
  const source = form.get('source');
  const answer = form.get('answer');
  const pickedField = form.get('picked');
  const picked = pickedField !== null && /^\d{1,3}$/.test(pickedField) ? Number(pickedField) : undefined;
  const valid =
    tenant?.devices &&
    name &&
    (source === 'sign-in' || source === 'recovery') &&
    (answer === 'approve' || answer === 'reject') &&
    (pickedField === null || picked !== undefined);
  if (!valid) {
    const body = html`<h1>Unknown push</h1><p><a href="${INBOX_PATH}">Back to the inbox</a>.</p>`;
    return htmlResponse(400, layout({ title: 'Unknown push', body }));
  }
  const done = tenant.devices?.answer(await tenant.id(name), source, answer, picked) === true;
  // A pick is sent to the IdP; whether it was the right number shows on the recovery page.
  const said = !done ? 'none' : picked === undefined ? answer : 'picked';
  return redirect(`${INBOX_PATH}?answered=${said}`);
}

/** Mounts the inbox on the demo gate's router. */
export function mountDemoInbox(router: Router, deps: InboxDeps): void {
  // A synchronizer token per demo process: another origin cannot read the page, so it cannot post.
  const csrf = randomBytes(32).toString('base64url');
  router.add('GET', INBOX_PATH, (ctx) => inboxPage(deps, csrf, ctx));
  router.add('POST', `${INBOX_PATH}/push`, (ctx) => pushPost(deps, ctx), {
    csrf: {
      expected: async () => csrf,
      refused: () => {
        const body = html`<h1>Form expired</h1><p><a href="${INBOX_PATH}">Open the inbox again</a>.</p>`;
        return htmlResponse(403, layout({ title: 'Form expired', body }));
      },
    },
  });
}
