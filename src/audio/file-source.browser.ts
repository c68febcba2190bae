// file-source.ts for a browser (the playground's build substitutes this file): the "file" is
// one the page put in memory (page-files.ts), read through the same ByteSource.

import { UsageError } from '../errors.js';
import { pageFile } from '../page-files.js';
import { bytesSource, type ByteSource } from './source.js';

export interface FileSource extends ByteSource {
  close(): Promise<void>;
}

export async function openFileSource(path: string): Promise<FileSource> {
  const bytes = pageFile(path);
  if (bytes === undefined) throw new UsageError(`${path}: not loaded in this page; drop the file on the page or choose it again`);
  if (bytes.length === 0) throw new UsageError(`${path} is empty; choose a recording`);
  return Object.assign(bytesSource(bytes, path), { close: async () => undefined });
}
