/** The engines floor that `npm test` also runs the CLI and scenario tests on (scripts/test-node-min.mjs). */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineFloor } from '../../scripts/test-node-min.mjs';
import { ROOT } from './support.js';

describe('test on the engines floor', () => {
  it('reads the lowest supported Node from every manifest, which all agree', async () => {
    expect(engineFloor('>=22.12')).toBe('22.12.0');
    expect(engineFloor('>= 20')).toBe('20.0.0');
    expect(() => engineFloor('^22 || ^24')).toThrow(/plain ">=X.Y" range/);
    const root = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    for (const pkg of ['core', 'emulator-kit', 'okta', 'entra', 'keycloak', 'gate']) {
      const manifest = JSON.parse(await readFile(join(ROOT, 'packages', pkg, 'package.json'), 'utf8')) as {
        engines: { node: string };
      };
      expect(manifest.engines.node, pkg).toBe(root.engines.node);
    }
  });
});
