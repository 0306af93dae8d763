#!/usr/bin/env node
/**
 * Checks what each publishable workspace package would ship: `publint --strict` on its packed files, then
 * every bare import in the shipped JavaScript must name a package the manifest declares (dependencies,
 * or an optional peer), never a private workspace package. Exit 1 with one line per problem.
 * @module
 */

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const manifests = rootManifest.workspaces.map((dir) => ({
  dir,
  pkg: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')),
}));
const privateNames = new Set(manifests.filter((m) => m.pkg.private).map((m) => m.pkg.name));
const builtins = new Set(builtinModules);

/** The package name of a bare specifier (`@scope/name/sub` -> `@scope/name`), or null for relative/builtin. */
export function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return builtins.has(name) ? null : name;
}

/** Bare specifiers of static and dynamic imports (and re-exports) in compiled ESM. */
export function importsOf(source) {
  const found = new Set();
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) found.add(m[1]);
  return [...found];
}

function packedFiles(dir) {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: join(root, dir),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out)[0].files.map((f) => f.path);
}

/** Problems with what one manifest ships: imports of private workspace packages or of undeclared ones. */
export function shippedImportProblems({ pkg, files, read, privateNames }) {
  const problems = [];
  const declared = new Set([
    pkg.name,
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
  ]);
  for (const file of files.filter((f) => f.endsWith('.js'))) {
    for (const spec of importsOf(read(file))) {
      const name = packageOf(spec);
      if (!name) continue;
      if (privateNames.has(name)) {
        problems.push(
          `${pkg.name}: ${file} imports the private workspace package ${name}; publish it or stop shipping the import`,
        );
      } else if (!declared.has(name)) {
        problems.push(
          `${pkg.name}: ${file} imports ${name}, which package.json does not declare in dependencies or peerDependencies`,
        );
      }
    }
  }
  return problems;
}

function checkPackage({ dir, pkg }) {
  const problems = shippedImportProblems({
    pkg,
    files: packedFiles(dir),
    read: (file) => readFileSync(join(root, dir, file), 'utf8'),
    privateNames,
  });
  try {
    execFileSync('npx', ['publint', '--strict', '.'], {
      cwd: join(root, dir),
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (err) {
    const text = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim().split('\n').slice(-6).join(' | ');
    problems.push(`${pkg.name}: publint --strict: ${text}`);
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = manifests.filter((m) => !m.pkg.private).flatMap(checkPackage);
  for (const p of problems) process.stderr.write(`check-packages: ${p}\n`);
  if (problems.length > 0) process.exit(1);
  process.stdout.write(
    `check-packages: ${manifests.filter((m) => !m.pkg.private).length} packages ship only what they declare\n`,
  );
}
