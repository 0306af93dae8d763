/**
 * A lock file so two processes never open one embedded data directory (that would corrupt it).
 * @module
 */

import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GateError } from '@recovery-gate/core';

/** Lock files this process holds. */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<dir>/gate.pid`; a lock left by a dead process (SIGKILL) is taken over.
 * @throws ERR_STORAGE when a live process holds it.
 */
export async function acquireDirLock(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, 'gate.pid');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' });
      heldHere.add(file);
      return async () => {
        heldHere.delete(file);
        await rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
      // Our own pid is stale unless this process holds the lock (containers reuse pids after a restart).
      const live = pid === process.pid ? heldHere.has(file) : Number.isInteger(pid) && pid > 0 && alive(pid);
      if (live) {
        throw new GateError('ERR_STORAGE', `The data directory ${dir} is in use by process ${pid}.`, {
          details: { pid },
        });
      }
      await rm(file, { force: true });
    }
  }
  throw new GateError('ERR_STORAGE', `Could not lock the data directory ${dir}.`);
}
