/**
 * Where a unit comes from: a built-in name (`rnn`) or a user module
 * (`./my-unit.ts`). User modules, TypeScript or JavaScript, are bundled by
 * esbuild into one ES module in a temporary folder and imported from there,
 * so they may import their own helpers and npm packages; `import … from
 * 'audiopred'` resolves to this package. Worker threads import the same
 * bundle by URL.
 *
 * Each bundle has its source map beside it (`unit-….mjs.map`), so an error
 * thrown inside a unit can be reported at the user's own file:line
 * (unitFrame) rather than somewhere in the temporary bundle.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '../errors.js';
import { builtinFactory, isModelName, modelNames } from '../models/registry.js';
import type { UnitFactory } from '../models/unit.js';

export interface UnitSource {
  /** What the user gave: a built-in name or a module path. */
  readonly spec: string;
  /** How tables and messages name it: the built-in name, or the module's file name. */
  readonly label: string;
  /** How `--opt key.name=value` addresses it: the built-in name, or the file name without extension. */
  readonly key: string;
  /** The bundled module's URL, for worker threads; absent for built-ins. */
  readonly moduleUrl?: string;
  readonly factory: UnitFactory;
}

const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** A --model value that names a file rather than a built-in unit. */
export function isUnitPath(spec: string): boolean {
  return /[\\/]/.test(spec) || MODULE_EXTENSIONS.includes(extname(spec));
}

/** The unit `spec` names: a built-in, or a module loaded (and, for TypeScript, compiled) now. */
export async function resolveUnit(spec: string): Promise<UnitSource> {
  if (isModelName(spec)) return { spec, label: spec, key: spec, factory: builtinFactory(spec) };
  if (!isUnitPath(spec)) {
    throw new UsageError(`--model must be one of ${modelNames.join(', ')} or a unit module such as ./my-unit.ts, got '${spec}'`);
  }
  const path = resolve(spec);
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new UsageError(`unit ${spec}: no such file; give the path of a .ts or .js module`);
  }
  if (!isFile) throw new UsageError(`unit ${spec}: is not a file; give the path of a .ts or .js module`);
  if (!MODULE_EXTENSIONS.includes(extname(path))) {
    throw new UsageError(`unit ${spec}: a unit is a ${MODULE_EXTENSIONS.join(', ')} module, not '${extname(path) || 'no extension'}'`);
  }
  const moduleUrl = await bundleUnit(path, spec);
  return { spec, label: basename(spec), key: basename(spec, extname(spec)), moduleUrl, factory: await importUnitFactory(moduleUrl, spec) };
}

/** The factory a bundled unit module exports: `export default` or `export function createUnit`. */
export async function importUnitFactory(moduleUrl: string, spec: string): Promise<UnitFactory> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(moduleUrl)) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`unit ${spec} failed to load: ${firstLine(err)}`);
  }
  const factory = typeof mod.default === 'function' ? mod.default : mod.createUnit;
  if (typeof factory !== 'function') {
    throw new UsageError(
      `unit ${spec} exports no factory; export default (context) => unit, or export function createUnit(context) (see docs/units.md)`,
    );
  }
  return factory as UnitFactory;
}

let bundleDir: string | undefined;

/** Bundles written by this process: the bundle's file URL → its source map's path (read only when an error needs it). */
const bundles = new Map<string, { mapFile: string; map?: SourceMap }>();

/** Bundles the module at `path` into a temporary .mjs file (and its .map beside it) and returns its URL. */
async function bundleUnit(path: string, spec: string): Promise<string> {
  const esbuild = await import('esbuild');
  const packageEntry = fileURLToPath(new URL('../index.js', import.meta.url));
  if (!bundleDir) {
    const dir = mkdtempSync(join(tmpdir(), 'audiopred-units-'));
    bundleDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const file = join(bundleDir, `${basename(path, extname(path))}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}.mjs`);
  let code: string;
  let map: string;
  try {
    const result = await esbuild.build({
      entryPoints: [path],
      outfile: file, // names the files and makes the map's sources relative to it; nothing is written by esbuild
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'linked',
      logLevel: 'silent',
      plugins: [
        {
          name: 'audiopred-itself',
          setup(build) {
            build.onResolve({ filter: /^audiopred$/ }, () => ({ path: pathToFileURL(packageEntry).href, external: true }));
          },
        },
      ],
    });
    code = result.outputFiles.find((f) => f.path.endsWith('.mjs'))!.text;
    map = result.outputFiles.find((f) => f.path.endsWith('.map'))!.text;
  } catch (err) {
    const errors = (err as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors;
    const e = errors?.[0];
    const where = e?.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: ` : '';
    throw new UsageError(`unit ${spec} does not compile: ${where}${e ? e.text : firstLine(err)}`);
  }
  writeFileSync(`${file}.map`, map);
  writeFileSync(file, code);
  const url = pathToFileURL(file).href;
  bundles.set(url, { mapFile: `${file}.map` });
  return url;
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

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
