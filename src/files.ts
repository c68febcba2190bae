import { rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { UsageError } from './errors.js';

/** Atomic writes in flight, by temporary file. */
const pending = new Map<string, Promise<void>>();
let exiting = false;
process.on('exit', () => {
  for (const temp of pending.keys()) rmSync(temp, { force: true });
});

/**
 * Exits with `code` once the atomic writes in flight have finished, starting no new ones: the
 * way to quit at once (a second Ctrl-C) without leaving a half-written temporary file. The
 * file system finishes an open write after process.exit, so removing it on exit alone races.
 */
export async function exitAfterWrites(code: number): Promise<never> {
  exiting = true;
  await Promise.allSettled(pending.values());
  process.exit(code);
}

/**
 * Writes `data` to a temporary file beside `path`, then renames it into
 * place, so a reader (or a crash) sees the old file or the new one, never a
 * torn one. Errors become one-line UsageErrors naming the path.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  if (exiting) return new Promise<void>(() => {}); // the process is about to exit: this write never starts
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const write = writeThenRename(path, temp, data).finally(() => pending.delete(temp));
  pending.set(temp, write);
  return write;
}

async function writeThenRename(path: string, temp: string, data: Uint8Array | string): Promise<void> {
  try {
    await writeFile(temp, data);
    crashIfAsked(temp, data);
    await rename(temp, path);
  } catch (err) {
    // Under a path that is not a folder (ENOTDIR) rm fails too; the first error is the one to report.
    await rm(temp, { force: true }).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'its folder does not exist' :
      code === 'ENOTDIR' ? 'a file is in the way of its folder' :
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'it is not writable' :
      code === 'EISDIR' ? 'it is a directory' :
      (err as Error).message;
    throw new UsageError(`cannot write ${path}: ${why}; choose another output path`);
  }
}

/**
 * For the crash-safety test only: AUDIOPRED_TEST_KILL_AT_WRITE=n makes the
 * n-th atomic write of this process leave a half-written temporary file and
 * die by SIGKILL before renaming it, as a power cut or `kill -9` would.
 */
let writes = 0;
function crashIfAsked(temp: string, data: Uint8Array | string): void {
  const at = Number(process.env.AUDIOPRED_TEST_KILL_AT_WRITE ?? 0);
  if (!at || ++writes !== at) return;
  writeFileSync(temp, typeof data === 'string' ? data.slice(0, data.length >> 1) : data.subarray(0, data.length >> 1));
  process.kill(process.pid, 'SIGKILL');
}
