/**
 * The files a queued run needs (its recording, a user's unit module) named so another machine
 * can find them and prove they are the same: the coordinator's path, the path relative to its
 * working folder, and the SHA-256 of the contents. A worker looks at the same path, then the
 * relative one, then by file name in its --data folders, and refuses a file with other contents.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { UsageError } from '../errors.js';

export interface FileRef {
  /** Absolute, on the coordinator. */
  path: string;
  /** Relative to the coordinator's working folder. */
  relative: string;
  sha256: string;
}

const hashes = new Map<string, { mtimeMs: number; size: number; sha256: string }>();

/** SHA-256 of a file's contents, hex; remembered while the file's size and time stay the same. */
export async function sha256File(path: string): Promise<string> {
  const { mtimeMs, size } = statSync(path);
  const known = hashes.get(path);
  if (known && known.mtimeMs === mtimeMs && known.size === size) return known.sha256;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const sha256 = hash.digest('hex');
  hashes.set(path, { mtimeMs, size, sha256 });
  return sha256;
}

export async function fileRef(path: string): Promise<FileRef> {
  const absolute = resolve(path);
  return { path: absolute, relative: relative(process.cwd(), absolute), sha256: await sha256File(absolute) };
}

/**
 * Where this machine has the file `ref` names, or a UsageError saying why not: no such file in
 * any place looked, or a file of that name whose contents differ (`what` names it, e.g. 'recording').
 */
export async function locateFile(ref: FileRef, dataDirs: readonly string[], what: string): Promise<string> {
  const candidates = [ref.path, ...(isAbsolute(ref.relative) ? [] : [resolve(ref.relative)]), ...dataDirs.map((d) => join(resolve(d), basename(ref.path)))];
  const seen = new Set<string>();
  let differing: { path: string; sha256: string } | undefined;
  for (const candidate of candidates) {
    if (seen.has(candidate)) continue;
    seen.add(candidate);
    if (!existsSync(candidate) || !statSync(candidate).isFile()) continue;
    const sha256 = await sha256File(candidate);
    if (sha256 === ref.sha256) return candidate;
    differing ??= { path: candidate, sha256 };
  }
  const name = basename(ref.path);
  if (differing) {
    throw new UsageError(
      `${differing.path} is not the study's ${what} ${name} (sha256 ${differing.sha256.slice(0, 12)}…, the study's is ${ref.sha256.slice(0, 12)}…): copy the study's file there`,
    );
  }
  throw new UsageError(`the study's ${what} ${name} is not on this machine (looked at ${[...seen].join(', ')}): copy it there or give --data FOLDER`);
}
