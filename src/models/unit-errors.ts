/**
 * What a unit threw during training, as one line that names the unit, the method, where in
 * training it happened and the user's own file:line. Units loaded from a user's module run from
 * a temporary esbuild bundle with its source map beside it (src/units/load.ts registers each
 * one here), so a stack frame in a bundle is mapped back to the user's source.
 *
 * This sits with the unit interface, below the trainers that report such errors and the loader
 * that writes the bundles, so neither has to import the other.
 */
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '../errors.js';
import { isModelName } from './registry.js';

/** Bundles written by this process: the bundle's file URL → its source map's path (read only when an error needs it). */
const bundles = new Map<string, { mapFile: string; map?: SourceMap }>();

/** Records a bundle written by this process (its file URL) and where its source map is. */
export function registerBundle(url: string, mapFile: string): void {
  bundles.set(url, { mapFile });
}

/** One `at …` line of a V8 stack: the file (a URL or a path), line and column, 1-based. */
const FRAME = /^\s+at (?:.*\()?([^\s()]+):(\d+):(\d+)\)?\s*$/;

function sourceMapOf(entry: { mapFile: string; map?: SourceMap }): SourceMap | undefined {
  try {
    entry.map ??= new SourceMap(JSON.parse(readFileSync(entry.mapFile, 'utf8')) as SourceMapPayload);
  } catch {
    return undefined; // the temporary folder is gone or the map is unreadable: no location, not a second error
  }
  return entry.map;
}

/** A path for messages: relative to the working directory, with forward slashes. */
function shownPath(absolute: string): string {
  return relative(process.cwd(), absolute).split(sep).join('/') || absolute;
}

/**
 * Where in a user unit's own source `stack` was thrown: the first frame that
 * lies in a unit bundle written by this process, mapped back through the
 * bundle's source map to `path:line:col` (path relative to the working
 * directory). Frames in bundled npm packages are passed over for the user's
 * own code if there is any. Undefined if no frame lies in a bundle (the
 * error came from audiopred itself or from a thrown non-Error).
 *
 * Node's own `SourceMap` (node:module) reads the map; it needs no flag. If
 * Node already maps stacks itself (--enable-source-maps), frames name the
 * original files, and the first one among a bundle's sources is the answer.
 */
export function unitFrame(stack: string | undefined): string | undefined {
  if (!stack || bundles.size === 0) return undefined;
  const frames: { file: string; line: number; column: number }[] = [];
  for (const text of stack.split('\n')) {
    const m = FRAME.exec(text);
    if (m) frames.push({ file: m[1], line: Number(m[2]), column: Number(m[3]) });
  }
  let fallback: string | undefined;
  for (const { file, line, column } of frames) {
    const entry = bundles.get(file.startsWith('file:') ? file : pathToFileURL(file).href);
    if (!entry) continue;
    const map = sourceMapOf(entry);
    const hit = map?.findEntry(line - 1, column - 1) as Partial<{ originalSource: string; originalLine: number; originalColumn: number }> | undefined;
    if (hit?.originalSource === undefined || hit.originalLine === undefined || hit.originalColumn === undefined) continue;
    const source = resolve(dirname(entry.mapFile), hit.originalSource);
    const where = `${shownPath(source)}:${hit.originalLine + 1}:${hit.originalColumn + 1}`;
    if (!source.split(sep).includes('node_modules')) return where;
    fallback ??= where;
  }
  if (fallback) return fallback;
  // Stacks already mapped by Node: a frame in one of the bundles' original files.
  const sources = new Set<string>();
  for (const entry of bundles.values()) {
    const payload = sourceMapOf(entry)?.payload as { sources?: string[] } | undefined;
    for (const s of payload?.sources ?? []) sources.add(resolve(dirname(entry.mapFile), s));
  }
  for (const { file, line, column } of frames) {
    const path = file.startsWith('file:') ? fileURLToPath(file) : file;
    if (isAbsolute(path) && sources.has(path) && !path.split(sep).includes('node_modules')) return `${shownPath(path)}:${line}:${column}`;
  }
  return undefined;
}

/** What a unit threw, as plain data (it may have crossed from a worker thread). */
export interface Thrown {
  readonly message: string;
  readonly stack?: string;
}

/** `err` as plain data: an Error's first message line and stack, or anything else as a string. */
export function thrown(err: unknown): Thrown {
  if (err instanceof Error) return { message: err.message.split('\n')[0] || err.name, stack: err.stack };
  return { message: String(err) };
}

/**
 * The one-line error for a unit method that threw during training, exit code
 * 3 (training stopped; the last good checkpoint stays):
 *
 *   unit my-unit.ts threw in learn() (epoch 2, segment 17, step 42, training): boom (my-unit.ts:31:11)
 *
 * `where` says where in training ("epoch 2, segment 17, step 42, training").
 * The location is the first frame in the user's bundle, mapped back to their
 * source (see unitFrame). A built-in unit throwing is a bug in audiopred and
 * says so. AUDIOPRED_DEBUG=1 appends the original stack. A unit that throws
 * while it is being set up, before the first epoch, is exit code 2 like the
 * probe's errors (`exitCode`).
 */
export function unitThrew(label: string, method: string, where: string, err: unknown, exitCode = 3): UsageError {
  const plain = !(err instanceof Error) && err !== null && typeof err === 'object' && typeof (err as Thrown).message === 'string';
  const t = plain ? (err as Thrown) : thrown(err);
  const call = method === 'factory' ? 'its factory' : `${method}()`;
  const frame = unitFrame(t.stack);
  const debug = process.env.AUDIOPRED_DEBUG && t.stack ? `\n${t.stack}` : '';
  if (isModelName(label) && !frame) {
    return new UsageError(
      `internal error: built-in unit ${label} threw in ${call} (${where}): ${t.message}; this is a bug in audiopred, please report it ` +
        `(AUDIOPRED_DEBUG=1 shows the stack)${debug}`,
      exitCode,
    );
  }
  return new UsageError(`unit ${label} threw in ${call} (${where}): ${t.message}${frame ? ` (${frame})` : ''}${debug}`, exitCode);
}
