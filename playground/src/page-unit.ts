/**
 * A unit written in the page's editor, made into a UnitSource the run library trains like a
 * module file: the TypeScript is stripped in place by sucrase (so its lines stay the editor's
 * lines, and an error's line is the one the user sees), `import … from 'audiopred'` points at
 * the unit API module (src/units/unit-api.ts), and the result is imported from a blob: URL,
 * which the training threads import too. Runs in the training worker, never on the page.
 */
import { transform } from 'sucrase';
import { UsageError } from '../../dist/src/errors.js';
import { importUnitModule } from '../../dist/src/models/unit.js';
import { registerBundle } from '../../dist/src/models/unit-frames.js';
import type { UnitSource } from '../../dist/src/units/load.js';
import { exposeUnitApi, unitApiModule } from '../../dist/src/units/unit-api.js';

let apiUrl: string | undefined;

function moduleUrl(code: string): string {
  return URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
}

/** A static import's module name, on the line where it ends (`} from '…'`, `import … from '…'`, `import '…'`). */
const IMPORT = /^(\s*(?:(?:import|export)\b[^'"]*?\bfrom\s*|\}\s*from\s*|import\s*))(['"])([^'"]+)\2/;

export async function pageUnit(name: string, code: string): Promise<UnitSource> {
  let js: string;
  try {
    js = transform(code, { transforms: ['typescript'], disableESTransforms: true, filePath: name }).code;
  } catch (err) {
    const e = err as Error & { loc?: { line: number; column: number } };
    const where = e.loc ? `${name}:${e.loc.line}:${e.loc.column + 1}: ` : '';
    throw new UsageError(`unit ${name} does not compile: ${where}${e.message.replace(/\s*\(\d+:\d+\)$/, '')}`);
  }
  exposeUnitApi();
  apiUrl ??= moduleUrl(unitApiModule());
  const lines = js.split('\n');
  for (let i = 0; i < lines.length; i++) {
    lines[i] = lines[i].replace(IMPORT, (whole, lead: string, quote: string, spec: string) => {
      if (spec === 'audiopred') return `${lead}${quote}${apiUrl}${quote}`;
      throw new UsageError(`unit ${name}: ${name}:${i + 1}: imports '${spec}'; in the playground a unit may import only from 'audiopred' (use the CLI for modules with their own imports)`);
    });
  }
  const url = moduleUrl(lines.join('\n'));
  registerBundle(url, name);
  const key = name.replace(/\.[^.]+$/, '');
  return { spec: name, label: name, key, moduleUrl: url, ...(await importUnitModule(url, name)) };
}
