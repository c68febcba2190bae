/**
 * A run folder as a value that travels through Redis: its files by name, base64. A queued run
 * goes out with its checkpoint (a tune trial's next rung) and comes back whole, so the
 * coordinator writes the same folder a local run leaves; files are written atomically.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files.js';

/** File name → contents, base64. */
export type PackedFolder = Record<string, string>;

/** The regular files of `dir` (none if it does not exist); temporary files of writes in flight are left out. */
export function packFolder(dir: string): PackedFolder {
  if (!existsSync(dir)) return {};
  const packed: PackedFolder = {};
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.tmp') || !statSync(join(dir, name)).isFile()) continue;
    packed[name] = readFileSync(join(dir, name)).toString('base64');
  }
  return packed;
}

/** Writes every file of `packed` into `dir` (made if missing), each atomically. */
export async function unpackFolder(packed: PackedFolder, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, data] of Object.entries(packed)) {
    if (name.includes('/') || name.includes('\\') || name === '..' || name === '.') throw new Error(`a packed run folder names a file outside it: ${name}`);
    await writeFileAtomic(join(dir, name), Buffer.from(data, 'base64'));
  }
}

/** Its size in bytes once decoded. */
export const packedBytes = (packed: PackedFolder) => Object.values(packed).reduce((n, b) => n + Math.floor((b.length * 3) / 4), 0);
