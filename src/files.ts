import { rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { UsageError } from './errors.js';

/** Temporary files being written: a process that exits mid-write (a second Ctrl-C) removes them. */
const pending = new Set<string>();
process.on('exit', () => {
  for (const temp of pending) rmSync(temp, { force: true });
});

/**
 * Writes `data` to a temporary file beside `path`, then renames it into
 * place, so a reader (or a crash) sees the old file or the new one, never a
 * torn one. Errors become one-line UsageErrors naming the path.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  pending.add(temp);
  try {
    await writeFile(temp, data);
    crashIfAsked(temp, data);
    await rename(temp, path);
    pending.delete(temp);
  } catch (err) {
    pending.delete(temp);
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
