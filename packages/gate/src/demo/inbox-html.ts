/**
 * An escaping tagged template for the demo inbox: every interpolated value is escaped unless it is
 * already `Html` built by this template, so markup cannot be injected by a message, a name or a link.
 * @module
 */

import { esc } from '../pages/html.js';

/** Markup built by {@link html}; the only value that passes unescaped. */
export interface Html {
  readonly markup: string;
}

const SAFE = new WeakSet<Html>();

function isHtml(value: unknown): value is Html {
  return typeof value === 'object' && value !== null && SAFE.has(value as Html);
}

function render(value: unknown): string {
  if (Array.isArray(value)) return value.map(render).join('');
  if (isHtml(value)) return value.markup;
  if (value === null || value === undefined || value === false) return '';
  return esc(value);
}

/** Builds markup; interpolated values are escaped (arrays are joined, `Html` passes as is). */
export function html(strings: TemplateStringsArray, ...values: readonly unknown[]): Html {
  let markup = strings[0] ?? '';
  values.forEach((value, i) => {
    markup += render(value) + (strings[i + 1] ?? '');
  });
  const built: Html = { markup };
  SAFE.add(built);
  return built;
}

/** A link's href, only for http(s) URLs (anything else becomes inert text). */
export function safeHref(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}
