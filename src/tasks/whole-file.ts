// A series file read whole, with the one-line errors the user can act on. A browser build uses
// whole-file.browser.ts instead (a file the page has in memory).

import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { oneLine } from '../audio/messages.js';

export async function readWholeFile(path: string, name: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    // Worded as the audio reader words them (src/audio/file-source.ts).
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const why =
      code === 'ENOENT' || code === 'ENOTDIR' ? `no such file: ${name} — give the path of a .npy or .csv file` :
      code === 'EISDIR' ? `${name} is a directory — give the path of a .npy or .csv file` :
      code === 'EACCES' || code === 'EPERM' ? `cannot read ${name}: permission denied — check the file's permissions` :
      `cannot read ${name} (${code ?? oneLine(err)}) — give the path of a readable .npy or .csv file`;
    throw new UsageError(why);
  }
}
