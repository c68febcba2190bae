// whole-file.ts for a browser (the playground's build substitutes this file): a file the page
// has in memory (page-files.ts).

import { UsageError } from '../errors.js';
import { pageFile } from '../page-files.js';

export async function readWholeFile(path: string, name: string): Promise<Uint8Array> {
  const bytes = pageFile(path);
  if (bytes === undefined) throw new UsageError(`${name}: not loaded in this page; drop the file on the page or choose it again`);
  return bytes;
}
