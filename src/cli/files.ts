import { rename, rm, writeFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/**
 * Writes `data` to a temporary file beside `path`, then renames it into
 * place, so a reader (or a crash) sees the old file or the new one, never a
 * torn one. Errors become one-line UsageErrors naming the path.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'its folder does not exist' :
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'it is not writable' :
      code === 'EISDIR' ? 'it is a directory' :
      (err as Error).message;
    throw new UsageError(`cannot write ${path}: ${why}; choose another output path`);
  }
}
