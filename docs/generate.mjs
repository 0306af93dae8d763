// Renders docs/configuration.md from the schema (core's policy + the gate's sections + each adapter's
// provider schema, through the gate's JSON Schema), and the generated sections of README.md: the
// capability matrix (each adapter's `capabilities`) and the error codes (core's ERROR_CODES).
// Run with `npm run docs` (it builds first). Commit the output.
// `node docs/generate.mjs --check` (`npm run check:docs`, in `npm test`) writes nothing and exits 1 when a
// committed file differs from what the schema renders, naming the sections that differ.

import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CAPABILITIES, ERROR_CODES } from '@recovery-gate/core';
import { gateConfigJsonSchema, loadAdapters } from '@recovery-gate/gate';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const IDPS = ['okta', 'entra', 'keycloak'];

/**
 * The adapters and the identity-verification package, all of them: the gate loads them leniently (a build
 * without one still runs), but a reference rendered without one would silently lose its sections.
 */
async function allAdapters() {
  const adapters = await loadAdapters();
  const missing = [...IDPS, 'idv'].filter((name) => adapters[name] === undefined);
  if (missing.length > 0)
    throw new Error(`cannot render the reference without @recovery-gate/${missing.join(', ')} (run tsc -b)`);
  return adapters;
}

/** Escapes a table cell. */
const cell = (text) =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ');

function resolveRef(schema, defs) {
  let node = schema;
  for (let i = 0; i < 10 && node && typeof node.$ref === 'string'; i += 1) {
    node = defs[node.$ref.replace(/^#\/(\$defs|definitions)\//, '')] ?? {};
  }
  return node ?? {};
}

function typeOf(node, defs) {
  const n = resolveRef(node, defs);
  if (n.enum) return n.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (n.const !== undefined) return JSON.stringify(n.const);
  const alts = n.anyOf ?? n.oneOf;
  if (alts) return [...new Set(alts.map((a) => typeOf(a, defs)))].join(' or ');
  if (n.type === 'array') return `list of ${typeOf(n.items ?? {}, defs)}`;
  if (n.type === 'object' && !n.properties && n.additionalProperties) return 'map';
  if (Array.isArray(n.type)) return n.type.join(' or ');
  if (n.pattern === undefined && n.type === 'string' && n.format) return `string (${n.format})`;
  return n.type ?? 'any';
}

function describe(node, defs) {
  const n = resolveRef(node, defs);
  const text = n.description ?? node.description ?? '';
  const split = text.split(/@default\s*/);
  const doc = split[0].trim();
  let fallback = split[1]?.trim() ?? '';
  if (!fallback && n.default !== undefined) fallback = JSON.stringify(n.default);
  return { doc, fallback };
}

/** Walks the schema: one row per field, `<name>` for map keys, `[]` for list items. */
function rows(node, path, defs, required, out, depth = 0) {
  const n = resolveRef(node, defs);
  if (depth > 0) {
    const { doc, fallback } = describe(node, defs);
    out.push({ path, type: typeOf(node, defs), required, fallback, doc });
  }
  if (depth > 7) return out;
  const objects = [n, ...(n.anyOf ?? n.oneOf ?? []).map((a) => resolveRef(a, defs))].filter(
    (o) => o.type === 'object' || o.properties,
  );
  const seen = new Set();
  for (const object of objects) {
    for (const [key, child] of Object.entries(object.properties ?? {})) {
      const childPath = path ? `${path}.${key}` : key;
      if (seen.has(childPath)) continue;
      seen.add(childPath);
      rows(child, childPath, defs, (object.required ?? []).includes(key), out, depth + 1);
    }
    if (object.additionalProperties && typeof object.additionalProperties === 'object') {
      rows(object.additionalProperties, `${path}.<name>`, defs, false, out, depth + 1);
    }
  }
  const items = n.type === 'array' ? resolveRef(n.items ?? {}, defs) : null;
  if (items?.properties) rows(items, `${path}[]`, defs, false, out, depth);
  return out;
}

/** A Markdown table with padded columns (stable output, readable as plain text). */
function aligned(header, body) {
  const widths = header.map((h, i) => Math.max(3, h.length, ...body.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n');
}

function table(list) {
  return aligned(
    ['field', 'type', 'required', 'default', 'meaning'],
    list.map((r) => [
      `\`${cell(r.path)}\``,
      cell(r.type),
      r.required ? 'yes' : '',
      cell(r.fallback),
      cell(r.doc),
    ]),
  );
}

/** The sections of the configuration reference: the schema's top-level keys. */
export async function configSections() {
  return Object.keys(gateConfigJsonSchema(await allAdapters()).properties ?? {});
}

/** docs/configuration.md as the schema renders it. */
export async function configurationDoc() {
  const adapters = await allAdapters();
  const schema = gateConfigJsonSchema(adapters);
  const defs = schema.$defs ?? schema.definitions ?? {};
  const all = rows(schema, '', defs, true, []);
  const sections = Object.keys(schema.properties ?? {});
  const parts = [
    '# Configuration reference (`recovery-gate.yaml`)',
    '',
    '<!-- Generated by `npm run docs` from the zod schemas (core policy, gate sections, adapter sections). Do not edit. -->',
    '',
    'One YAML file, checked by `recovery-gate validate`. Unknown keys are errors (a typo fails). Secrets are',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
    'written only as `${ENV_NAME}` references and resolved from the environment; a secret written inline in a',
    'secret-named field (`token`, `secret`, `clientSecret`, `privateKey`, `certificate`, webhook and SMTP URLs,',
    '...) is refused with `ERR_CONFIG_INLINE_SECRET`. Evidence kinds that never count (`kba`, `verbal_confirmation`,',
    '`caller_id`, `account_mailbox_link`, ...) are refused with `ERR_POLICY_BANNED_EVIDENCE`.',
    '',
    'Run `recovery-gate init` for a commented starter file.',
    '',
  ];
  for (const section of sections) {
    const list = all.filter((r) => r.path === section || r.path.startsWith(`${section}.`));
    const head = list.find((r) => r.path === section);
    if (list.length === 0) throw new Error(`section ${section} rendered no rows`);
    parts.push(`## \`${section}\``, '', head?.doc ? `${head.doc}\n` : '', table(list), '');
  }
  return `${parts
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

async function capabilityMatrix() {
  const caps = {};
  for (const idp of IDPS) caps[idp] = (await import(`@recovery-gate/${idp}`)).capabilities;
  const mark = (idp, cap) => {
    const info = caps[idp]?.[cap];
    if (!info) return '?';
    return info.supported ? 'yes' : 'no';
  };
  const lines = [
    aligned(
      ['capability', 'Okta', 'Entra ID', 'Keycloak'],
      CAPABILITIES.map((cap) => [`\`${cap}\``, ...IDPS.map((idp) => mark(idp, cap))]),
    ),
  ];
  lines.push('', 'Notes per IdP (what it really does, and the caveats):', '');
  for (const idp of IDPS) {
    lines.push(`<details><summary>${idp}</summary>`, '');
    for (const cap of CAPABILITIES) {
      const info = caps[idp]?.[cap];
      if (info?.note) lines.push(`- \`${cap}\` (${info.supported ? 'yes' : 'no'}): ${cell(info.note)}`);
    }
    lines.push('', '</details>', '');
  }
  return lines.join('\n').trimEnd();
}

function errorCodes() {
  return aligned(
    ['code', 'meaning'],
    Object.entries(ERROR_CODES).map(([code, meaning]) => [`\`${code}\``, cell(meaning)]),
  );
}

function replaceBlock(text, name, body) {
  const start = `<!-- generated:${name} -->`;
  const end = `<!-- /generated:${name} -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < 0) throw new Error(`README.md lacks the ${start} ... ${end} markers`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

/** README.md with its generated blocks rendered again. */
export async function readmeDoc(readme) {
  let text = replaceBlock(readme, 'capabilities', await capabilityMatrix());
  text = replaceBlock(text, 'errors', errorCodes());
  return text;
}

/** The `## ` headings of a Markdown text, in order. */
export function headings(text) {
  return text.split('\n').filter((line) => line.startsWith('## '));
}

/**
 * What differs between a committed reference and the rendered one: the sections only one of them has, or
 * that differ in content; empty when they are the same text.
 */
export function docProblems(name, committed, rendered) {
  if (committed === rendered) return [];
  const split = (text) => {
    const out = new Map();
    let current = '(preamble)';
    for (const line of text.split('\n')) {
      if (line.startsWith('## ')) current = line;
      out.set(current, `${out.get(current) ?? ''}${line}\n`);
    }
    return out;
  };
  const [have, want] = [split(committed), split(rendered)];
  const problems = [];
  for (const [head, body] of want) {
    if (!have.has(head)) problems.push(`${name}: section ${head} is missing`);
    else if (have.get(head) !== body) problems.push(`${name}: section ${head} differs from the schema`);
  }
  for (const head of have.keys())
    if (!want.has(head)) problems.push(`${name}: section ${head} is not in the schema`);
  return problems.length > 0 ? problems : [`${name}: differs from what the schema renders`];
}

async function main(check) {
  const configPath = join(root, 'docs', 'configuration.md');
  const readmePath = join(root, 'README.md');
  const readme = await readFile(readmePath, 'utf8');
  const outputs = [
    ['docs/configuration.md', configPath, await configurationDoc()],
    ['README.md', readmePath, await readmeDoc(readme)],
  ];
  if (!check) {
    for (const [, path, text] of outputs) await writeFile(path, text, 'utf8');
    process.stdout.write('wrote docs/configuration.md and the generated sections of README.md\n');
    return;
  }
  const problems = [];
  for (const [name, path, text] of outputs)
    problems.push(...docProblems(name, await readFile(path, 'utf8'), text));
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\nrun \`npm run docs\` and commit the result\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.includes('--check'));
}
