/**
 * The configuration reference is generated from the schema (`npm run docs`), and `npm run check:docs` (in
 * `npm test`) fails when the committed file and the schema disagree: every top-level section of the schema,
 * `identityVerification` included, is a section of docs/configuration.md, and a dropped or stale section is
 * named by the check.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSections, configurationDoc, docProblems, headings } from '../../docs/generate.mjs';

const committedPath = join(import.meta.dirname, '..', '..', 'docs', 'configuration.md');

describe('the configuration reference', () => {
  it('has one section per top-level key of the schema, identityVerification included', async () => {
    const sections = await configSections();
    expect(sections).toContain('identityVerification');
    const rendered = await configurationDoc();
    expect(headings(rendered)).toEqual(sections.map((s) => `## \`${s}\``));
  });

  it('is committed as the schema renders it', async () => {
    const committed = await readFile(committedPath, 'utf8');
    expect(docProblems('docs/configuration.md', committed, await configurationDoc())).toEqual([]);
  });

  it('names a dropped section and a stale one', async () => {
    const rendered = await configurationDoc();
    const at = rendered.indexOf('## `identityVerification`');
    expect(at).toBeGreaterThan(0);
    const dropped = rendered.slice(0, at).trimEnd().concat('\n');
    expect(docProblems('docs/configuration.md', dropped, rendered)).toEqual([
      'docs/configuration.md: section ## `identityVerification` is missing',
    ]);
    const stale = rendered.replace('| `pollers.tick`', '| `pollers.tock`');
    expect(docProblems('docs/configuration.md', stale, rendered)).toEqual([
      'docs/configuration.md: section ## `pollers` differs from the schema',
    ]);
  });
});
