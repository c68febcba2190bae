import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * mkdir -p, one level at a time. Node 20's mkdirSync(…, { recursive: true })
 * never returns for some paths (under /proc, for one), so it is not used.
 */
function makeFolders(path: string): void {
  const full = resolve(path);
  const missing: string[] = [];
  for (let p = full; ; p = dirname(p)) {
    try {
      if (statSync(p).isDirectory()) break;
      throw Object.assign(new Error(`${p} is a file`), { code: 'ENOTDIR' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    missing.push(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

function whyNot(code: string | undefined, err: Error): string {
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'it is not writable';
  if (code === 'EEXIST' || code === 'ENOTDIR') return 'a file is in the way';
  if (code === 'ENOENT') return 'folders cannot be made there';
  return err.message;
}

export { timestamp } from '../format.js';

/**
 * Creates a new folder `parent/name` (or `name-2`, `name-3`, … if taken) and
 * returns its path. mkdir of one level either creates the folder or fails,
 * so two runs started at the same moment never share one.
 */
export function createUniqueFolder(parent: string, name: string): string {
  try {
    makeFolders(parent);
  } catch (err) {
    throw new UsageError(`cannot create ${parent}: ${whyNot((err as NodeJS.ErrnoException).code, err as Error)}; choose another output folder with --out`);
  }
  for (let k = 1; ; k++) {
    const dir = join(parent, k === 1 ? name : `${name}-${k}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      const why = whyNot(code, err as Error);
      throw new UsageError(`cannot create a run folder in ${parent}: ${why}; choose another output folder with --out`);
    }
  }
}

/** An output folder the user named: created if missing, and it must be empty or a run folder we may add to. */
export function ensureFolder(dir: string): string {
  try {
    makeFolders(dir);
    return dir;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = whyNot(code, err as Error);
    throw new UsageError(`cannot create ${dir}: ${why}; choose another output folder`);
  }
}
