/**
 * The package-boundary check that `npm test` runs after the build (scripts/check-packages.mjs): what a
 * published package ships may import only what its manifest declares, and never a private workspace package.
 */

import { describe, expect, it } from 'vitest';
import { importsOf, packageOf, shippedImportProblems } from '../../scripts/check-packages.mjs';

describe('check-packages', () => {
  it('reads static, dynamic and re-export specifiers and names their package', () => {
    const source = [
      "import { a } from '@recovery-gate/emulator-kit';",
      "export * from './local.js';",
      "import 'side-effect-pkg/register';",
      "const m = await import('@scope/pkg/sub/path');",
      "import { readFile } from 'node:fs/promises';",
      "import http from 'http';",
    ].join('\n');
    const names = importsOf(source).map(packageOf);
    expect(names).toEqual(
      expect.arrayContaining(['@recovery-gate/emulator-kit', 'side-effect-pkg', '@scope/pkg', null]),
    );
    expect(names.filter((n) => n !== null)).toHaveLength(3);
  });

  it('refuses a shipped import of a private workspace package or of an undeclared one, and accepts declared ones', () => {
    const files: Record<string, string> = {
      'dist/emulator/oidc.js': "import { x } from '@recovery-gate/emulator-kit';",
      'dist/src/testing/sinks.js': "import { SMTPServer } from 'smtp-server';",
      'dist/src/index.js': "import { z } from 'zod'; import { c } from '@recovery-gate/core';",
      'README.md': "import nothing from 'markdown-is-not-scanned';",
    };
    const read = (file: string) => files[file] ?? '';
    const privateNames = new Set(['@recovery-gate/emulator-kit']);
    const pkg = { name: '@recovery-gate/okta', dependencies: { zod: '^4', '@recovery-gate/core': '^0.1.0' } };
    const problems = shippedImportProblems({ pkg, files: Object.keys(files), read, privateNames });
    expect(problems).toEqual([
      expect.stringContaining(
        'dist/emulator/oidc.js imports the private workspace package @recovery-gate/emulator-kit',
      ),
      expect.stringContaining(
        'dist/src/testing/sinks.js imports smtp-server, which package.json does not declare',
      ),
    ]);
    const fixed = shippedImportProblems({
      pkg: { ...pkg, peerDependencies: { 'smtp-server': '^3' } },
      files: Object.keys(files),
      read,
      privateNames: new Set(),
    });
    expect(fixed).toEqual([
      expect.stringContaining('imports @recovery-gate/emulator-kit, which package.json does not declare'),
    ]);
  });
});
