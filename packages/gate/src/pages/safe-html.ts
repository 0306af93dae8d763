/**
 * Safe-by-construction HTML: the `html` tagged template escapes every interpolated value unless it is a
 * {@link SafeHtml} this module built. Arrays are joined; `null`, `undefined` and `false` render nothing.
 * The brand is a module-private WeakSet, not a property, so data shaped like markup (parsed JSON, an IdP's
 * display name) can never pass as markup, unlike `hono/html`'s `isEscaped` flag. `raw()` is the one way
 * around the escaping, for constant markup written in this repository; grep for `raw(` to audit it.
 * @module
 */

/** Markup built by {@link html} (or a deliberate {@link raw}); the only value rendered without escaping. */
export interface SafeHtml {
  /** The markup, for the response body. */
  toString(): string;
  readonly __safeHtml: true;
}

/** What may be interpolated: text and numbers (escaped), markup from this module, lists of these, or nothing. */
export type HtmlValue = SafeHtml | string | number | bigint | false | null | undefined | readonly HtmlValue[];

const BUILT = new WeakSet<object>();

function brand(markup: string): SafeHtml {
  const value: SafeHtml = Object.freeze({ toString: () => markup, __safeHtml: true as const });
  BUILT.add(value);
  return value;
}

/** Whether a value is markup built by this module (a look-alike object is not). */
export function isSafeHtml(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && BUILT.has(value);
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeText(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

// A URL attribute whose value starts with an interpolation: only relative, fragment, http(s) and mailto
// URLs keep their value; any other scheme (javascript:, data:, ...) becomes inert.
const URL_ATTRIBUTE = /\s(?:href|src|action|formaction)="$/i;
const SAFE_URL = /^(?:[/#?]|https?:|mailto:|[^:/?#]*(?:[/?#]|$))/i;
// Event handler values are script: no escaping makes text safe there.
const EVENT_ATTRIBUTE = /\son[a-z]+\s*=\s*"[^"]*$/i;

/** Where an interpolation sits, judged from the template's own constant text before it. */
type Slot = 'text' | 'quoted-attribute' | 'url-attribute' | 'tag';

function slotOf(before: string, last: string): Slot {
  const open = before.lastIndexOf('<');
  if (open <= before.lastIndexOf('>')) return 'text';
  const quotes = before.slice(open).split('"').length - 1;
  if (quotes % 2 === 0) return 'tag';
  if (EVENT_ATTRIBUTE.test(before.slice(open))) return 'tag';
  return URL_ATTRIBUTE.test(last) ? 'url-attribute' : 'quoted-attribute';
}

function render(value: HtmlValue, slot: Slot): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map((v: HtmlValue) => render(v, slot)).join('');
  if (isSafeHtml(value)) return value.toString();
  if (typeof value === 'object')
    throw new TypeError('html: only text, numbers and SafeHtml may be interpolated.');
  // Text between attributes (or in an unquoted or event attribute) could add attributes or script.
  if (slot === 'tag')
    throw new TypeError('html: text may only go in element content or a quoted attribute value.');
  const text = String(value);
  if (slot === 'url-attribute' && !SAFE_URL.test(text.trim())) return 'about:invalid';
  return escapeText(text);
}

/**
 * Builds markup from a template: each `${value}` is escaped unless it is {@link SafeHtml}.
 * @throws TypeError when text is interpolated inside a tag outside a quoted attribute value, or into an
 * event handler attribute (no escaping makes that safe; pass `html\` checked\`` for a constant attribute).
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let markup = strings[0] ?? '';
  let constant = markup;
  for (let i = 0; i < values.length; i += 1) {
    markup += render(values[i], slotOf(constant, strings[i] ?? '')) + (strings[i + 1] ?? '');
    // The context is judged on the constant text only: interpolated values cannot steer it.
    constant += `\u0000${strings[i + 1] ?? ''}`;
  }
  return brand(markup);
}

/**
 * Trusts constant markup written in this repository (a string literal: the type refuses a computed string).
 * Never pass data through it; grep `raw(` to review every use.
 */
export function raw<T extends string>(markup: string extends T ? never : T): SafeHtml {
  return brand(markup);
}

/** Joins markup with a separator (itself escaped unless SafeHtml). */
export function joinHtml(items: readonly HtmlValue[], separator: HtmlValue): SafeHtml {
  const parts: HtmlValue[] = [];
  items.forEach((item, i) => {
    if (i > 0) parts.push(separator);
    parts.push(item);
  });
  return html`${parts}`;
}
