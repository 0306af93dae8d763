/**
 * The demo as the README starts it: `node packages/gate/dist/src/cli/main.js demo` as a child process, its
 * printed links read from stdout, stopped with Ctrl-C (SIGINT) at the end.
 * @module
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'packages', 'gate', 'dist', 'src', 'cli', 'main.js');

/** The links the demo printed for one IdP. */
export interface PrintedCases {
  /** alice's verification links, by where they were sent. */
  readonly verify: readonly { readonly to: string; readonly url: string }[];
  /** The approval link sent to erin. */
  readonly review: string;
  /** The "this wasn't me" links of carol's held case. */
  readonly cancel: readonly string[];
}

/** A running demo. */
export interface DemoProcess {
  readonly inbox: string;
  readonly gate: string;
  readonly cases: Readonly<Record<'okta' | 'entra' | 'keycloak', PrintedCases>>;
  readonly stdout: () => string;
  stop(): Promise<number | null>;
}

function parse(out: string): Omit<DemoProcess, 'stdout' | 'stop'> {
  const inbox = /demo inbox\s+(http:\/\/\S+\/demo\/inbox)/.exec(out)?.[1];
  if (!inbox) throw new Error(`the demo printed no inbox URL:\n${out}`);
  const cases = {} as Record<'okta' | 'entra' | 'keycloak', PrintedCases>;
  for (const idp of ['okta', 'entra', 'keycloak'] as const) {
    const alice = new RegExp(`^  ${idp}: alice[^\\n]*\\n((?: {6}\\S[^\\n]*\\n)+)`, 'm').exec(out)?.[1] ?? '';
    const carol = new RegExp(`^  ${idp}: carol[^\\n]*\\n((?: {6}\\S[^\\n]*\\n)+)`, 'm').exec(out)?.[1] ?? '';
    const lines = (block: string, label: string) =>
      [...block.matchAll(new RegExp(`^ {6}${label} \\(sent to ([^)]+)\\): (\\S+)$`, 'gm'))].map((m) => ({
        to: m[1] as string,
        url: m[2] as string,
      }));
    const review = lines(alice, 'Review').find((l) => l.to === 'erin@example.com')?.url;
    if (!review) throw new Error(`no review link for erin on ${idp}:\n${out}`);
    cases[idp] = {
      verify: lines(alice, 'Verify'),
      review,
      cancel: lines(carol, "This wasn't me").map((l) => l.url),
    };
  }
  return { inbox, gate: inbox.replace(/\/demo\/inbox$/, ''), cases };
}

/** Starts the demo and resolves once it printed the cases to explore. */
export async function startDemo(timeoutMs = 540_000): Promise<DemoProcess> {
  const cwd = await mkdtemp(join(tmpdir(), 'demo-readme-'));
  const child: ChildProcess = spawn(process.execPath, [MAIN, 'demo'], {
    cwd,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  const ready = new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`the demo did not get ready:\n${out}\n${err}`)), timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (/^Finish them/m.test(out)) {
        clearTimeout(timer);
        done();
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`the demo exited (${code}) before it was ready:\n${out}\n${err}`));
    });
  });
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null) child.kill('SIGINT');
    const code = await exited;
    await rm(cwd, { recursive: true, force: true });
    return code;
  };
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  return { ...parse(out), stdout: () => out, stop };
}
