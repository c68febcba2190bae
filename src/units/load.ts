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
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isUnitPath, MODULE_EXTENSIONS } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { isModelName, modelNames } from '../models/registry.js';
import { builtinUnit } from './builtin.js';
import type { SearchSpace } from '../models/search.js';
import { importUnitModule, type UnitFactory, type UnitOrigin } from '../models/unit.js';
import { registerBundle } from '../models/unit-frames.js';

export interface UnitSource extends UnitOrigin {
  /** How `--opt key.name=value` addresses it: the built-in name, or the file name without extension. */
  readonly key: string;
  readonly factory: UnitFactory;
  /** What `audiopred tune` varies, if the unit declares it (a module's `export const search`). */
  readonly search?: SearchSpace;
}

/** The unit `spec` names: a built-in, or a module loaded (and, for TypeScript, compiled) now. */
export async function resolveUnit(spec: string): Promise<UnitSource> {
  if (isModelName(spec)) return builtinUnit(spec);
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
  return { spec, label: basename(spec), key: basename(spec, extname(spec)), moduleUrl, ...(await importUnitModule(moduleUrl, spec)) };
}

let bundleDir: string | undefined;

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
  registerBundle(url, `${file}.map`);
  return url;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
