import { describe, expect, it } from 'vitest';
import { type HtmlValue, html, isSafeHtml, joinHtml, raw, type SafeHtml } from './safe-html.js';

const HOSTILE = `"'><script>alert(1)</script>&`;

describe('the html tag', () => {
  it('escapes every interpolated string and number, in content and quoted attributes', () => {
    const out = html`<p title="${HOSTILE}">${HOSTILE} ${42}</p>`.toString();
    expect(out).toBe(
      '<p title="&quot;&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;">&quot;&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp; 42</p>',
    );
  });

  it('keeps its own markup, joins arrays and drops null, undefined and false', () => {
    const items = ['a<b', 'c'].map((x) => html`<li>${x}</li>`);
    const out = html`<ul>${items}</ul>${null}${undefined}${false}`.toString();
    expect(out).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
    expect(joinHtml(['x', html`<b>y</b>`], html`<br>`).toString()).toBe('x<br><b>y</b>');
  });

  it('never trusts a look-alike of its safe type (parsed JSON, an object with the same shape)', () => {
    const forged = { __safeHtml: true, toString: () => '<script>alert(1)</script>' } as unknown as SafeHtml;
    expect(isSafeHtml(forged)).toBe(false);
    expect(() => html`<p>${forged}</p>`).toThrow(TypeError);
    const parsed = JSON.parse('{"__safeHtml":true}') as SafeHtml;
    expect(() => html`<p>${parsed}</p>`).toThrow(TypeError);
  });

  it('refuses text between attributes, in an unquoted attribute or in an event handler', () => {
    const attr = ' onclick=alert(1)';
    expect(() => html`<input${attr}>`).toThrow(TypeError);
    expect(() => html`<input value=${'x'}>`).toThrow(TypeError);
    expect(() => html`<a onclick="go('${'x'}')">x</a>`).toThrow(TypeError);
    // A constant attribute goes in as markup of its own.
    expect(html`<input${html` checked`}>`.toString()).toBe('<input checked>');
  });

  it('keeps only relative, http(s) and mailto URLs where a URL attribute starts with a value', () => {
    const href = (url: string) => html`<a href="${url}">x</a>`.toString();
    expect(href('javascript:alert(1)')).toBe('<a href="about:invalid">x</a>');
    expect(href(' JaVaScRiPt:alert(1)')).toBe('<a href="about:invalid">x</a>');
    expect(href('data:text/html,<script>')).toBe('<a href="about:invalid">x</a>');
    expect(href('/verify/case/1?x=<y>')).toBe('<a href="/verify/case/1?x=&lt;y&gt;">x</a>');
    expect(href('https://idp.example/a"b')).toBe('<a href="https://idp.example/a&quot;b">x</a>');
    expect(html`<a href="/cases/${'javascript:x'}">x</a>`.toString()).toBe(
      '<a href="/cases/javascript:x">x</a>',
    );
  });

  it('judges the context from the template only: a value cannot open a tag for the next one', () => {
    const opener: HtmlValue = '<a title="';
    expect(html`${opener}${' onclick=x'}`.toString()).toBe('&lt;a title=&quot; onclick=x');
  });

  it('raw() takes only string literals (the type refuses computed strings)', () => {
    expect(raw('<hr>').toString()).toBe('<hr>');
    const computed: string = `<b>${HOSTILE}</b>`;
    // @ts-expect-error a computed string is not constant markup
    raw(computed);
  });
});
