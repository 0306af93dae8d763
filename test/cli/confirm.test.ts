import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, runCli, startTenants, type Tenants, tempDir, withProviders } from './support.js';

interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string>;
  cwd: string;
  untilStopped(): Promise<string>;
  interactive?: boolean;
  prompt?: (question: string) => Promise<string>;
}
type RunCli = (argv: readonly string[], io: Io) => Promise<number>;

/** The built CLI in-process, with a terminal whose user answers `answer`. */
async function onTerminal(cwd: string, env: Record<string, string>, answer: string) {
  const { runCli: run } = (await import(MAIN)) as { runCli: RunCli };
  const out = { stdout: '', stderr: '', asked: [] as string[] };
  const io: Io = {
    stdout: (t) => {
      out.stdout += t;
    },
    stderr: (t) => {
      out.stderr += t;
    },
    env,
    cwd,
    untilStopped: () => new Promise(() => undefined),
    interactive: true,
    prompt: async (question) => {
      out.asked.push(question);
      return answer;
    },
  };
  return { code: await run(['apply', '-c', 'gate.yaml'], io), ...out };
}

describe('recovery-gate apply on a terminal asks first', () => {
  let tenants: Tenants;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tenants = await startTenants();
    tmp = await tempDir();
    expect((await runCli(['init'], tmp.dir)).code).toBe(0);
    const starter = await readFile(join(tmp.dir, 'recovery-gate.yaml'), 'utf8');
    await tmp.write('gate.yaml', withProviders(starter, tenants.only('keycloak')));
  });
  afterAll(async () => {
    await tenants?.close();
    await tmp?.remove();
  });

  it('anything but "yes" changes nothing; "yes" applies with progress', async () => {
    const declined = await onTerminal(tmp.dir, { ...tenants.env }, 'y');
    expect(declined.asked).toHaveLength(1);
    expect(declined.code).toBe(1);
    expect(declined.stdout).toContain('Apply cancelled; nothing was changed.');
    expect(
      (await runCli(['plan', '--detailed-exitcode', '-c', 'gate.yaml'], tmp.dir, tenants.env)).code,
    ).toBe(2);

    const accepted = await onTerminal(tmp.dir, { ...tenants.env }, 'yes');
    expect(accepted.code).toBe(0);
    expect(accepted.stderr).toMatch(/^\[keycloak\] \d+\/\d+ /m);
    expect(
      (await runCli(['plan', '--detailed-exitcode', '-c', 'gate.yaml'], tmp.dir, tenants.env)).code,
    ).toBe(0);
  });
});
