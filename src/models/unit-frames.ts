/**
 * Where in a user unit's own source an error was thrown, from its stack. Units loaded from a
 * user's module run from a temporary esbuild bundle with its source map beside it
 * (src/units/load.ts registers each one here), so a stack frame in a bundle is mapped back to
 * the user's source. A browser build uses unit-frames.browser.ts instead.
 */
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

/** AUDIOPRED_DEBUG=1: unit errors carry the original stack. */
export function debugStacks(): boolean {
  return Boolean(process.env.AUDIOPRED_DEBUG);
}
