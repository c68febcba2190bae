/**
 * The Node adapter of a ByteSource (source.ts): a file read through one open handle, at the
 * offsets asked for. Every failure the user can fix is a one-line UsageError naming the file.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { displayName, oneLine } from './messages.js';
import type { ByteSource } from './source.js';

export interface FileSource extends ByteSource {
  close(): Promise<void>;
}

/** Opens `path` for reading; refuses a directory and an empty file. */
export async function openFileSource(path: string): Promise<FileSource> {
  const name = displayName(path);
  let handle: FileHandle | undefined;
  let size: number;
  try {
    handle = await open(path, 'r');
    const info = await handle.stat();
    if (info.isDirectory()) throw new UsageError(`${name} is a directory — give the path of an audio file`);
    size = info.size;
  } catch (err) {
    await handle?.close();
    if (err instanceof UsageError) throw err;
    throw new UsageError(readErrorMessage(err, name));
  }
  if (size === 0) {
    await handle.close();
    throw new UsageError(`${name} is empty (0 bytes) — give the path of an audio file`);
  }
  const h = handle;
  return {
    name: path,
    size,
    async read(at, length) {
      const n = Math.max(0, Math.min(length, size - at));
      const out = new Uint8Array(n);
      let got = 0;
      try {
        while (got < n) {
          const { bytesRead } = await h.read(out, got, n - got, at + got);
          if (bytesRead === 0) break; // the file shrank while we read it
          got += bytesRead;
        }
      } catch (err) {
        throw new UsageError(readErrorMessage(err, name));
      }
      return got === n ? out : out.subarray(0, got);
    },
    close: () => h.close(),
  };
}

function readErrorMessage(err: unknown, name: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return `no such file: ${name} — give the path of an audio file`;
    case 'EISDIR':
      return `${name} is a directory — give the path of an audio file`;
    case 'EACCES':
    case 'EPERM':
      return `cannot read ${name}: permission denied — check the file's permissions`;
    default:
      return `cannot read ${name} (${code ?? oneLine(err)}) — give the path of a readable audio file`;
  }
}
