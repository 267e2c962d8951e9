/**
 * Who holds an on-disk PGlite directory. PGlite is single-process: a second process that opens
 * the same directory reads pages the first has not written back (stale) or writes over them
 * (corrupt). PGlite's own postmaster.pid carries no real process id, so the worker that opens a
 * directory writes `rampart.pid` (this process's id and host) beside it and removes it at
 * close; readers ask {@link pgliteHolder} before they open.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** The lock file's name inside a PGlite data directory. */
export const PGLITE_LOCK_FILE = 'rampart.pid';

/** The process holding a PGlite directory. */
export interface PgliteHolder {
  pid: number;
  host: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The other live process that has `dataDir` open, or undefined (no lock file, a lock left by a
 * process that died, or this very process). A lock from another host cannot be checked and
 * counts as held.
 */
export function pgliteHolder(dataDir: string): PgliteHolder | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, PGLITE_LOCK_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const [pidText = '', host = ''] = text.trim().split('\n');
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (host === hostname() && (pid === process.pid || !alive(pid))) return undefined;
  return { pid, host };
}

/** Record this process as the holder of `dataDir` (the directory exists once PGlite opened it). */
export function takePgliteLock(dataDir: string): void {
  writeFileSync(join(dataDir, PGLITE_LOCK_FILE), `${process.pid}\n${hostname()}\n`);
}

/** Remove this process's lock from `dataDir` (another holder's lock stays). */
export function releasePgliteLock(dataDir: string): void {
  try {
    const [pid] = readFileSync(join(dataDir, PGLITE_LOCK_FILE), 'utf8').split('\n');
    if (Number(pid) === process.pid) rmSync(join(dataDir, PGLITE_LOCK_FILE), { force: true });
  } catch {
    // no lock: nothing to release
  }
}
