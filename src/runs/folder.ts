import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

/** 2026-11-29T03:58:12Z → 20261129-035812 (UTC, sorts by time). */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/**
 * Creates a new folder `parent/name` (or `name-2`, `name-3`, … if taken) and
 * returns its path. mkdir of one level either creates the folder or fails,
 * so two runs started at the same moment never share one.
 */
export function createUniqueFolder(parent: string, name: string): string {
  try {
    mkdirSync(parent, { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot create ${parent}: ${(err as Error).message}; choose another output folder with --out`);
  }
  for (let k = 1; ; k++) {
    const dir = join(parent, k === 1 ? name : `${name}-${k}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      const why = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'it is not writable' : (err as Error).message;
      throw new UsageError(`cannot create a run folder in ${parent}: ${why}; choose another output folder with --out`);
    }
  }
}

/** An output folder the user named: created if missing, and it must be empty or a run folder we may add to. */
export function ensureFolder(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true });
    return dir;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'it is not writable' : code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : (err as Error).message;
    throw new UsageError(`cannot create ${dir}: ${why}; choose another output folder`);
  }
}
