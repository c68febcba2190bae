import { BUILTIN_INFO, modelNames } from '../models/registry.js';

/** `audiopred units`: the built-in units, their kind and the options each reads. */
export function unitsCommand(): void {
  const out: string[] = [];
  const width = Math.max(...modelNames.map((n) => n.length));
  for (const name of modelNames) {
    const info = BUILTIN_INFO[name];
    out.push(`${name.padEnd(width)}  ${info.kind.padEnd(8)}  ${info.about}`);
    for (const [key, spec] of Object.entries(info.options ?? {})) {
      out.push(`${''.padEnd(width + 12)}--opt ${name}.${key}=${spec.default}  ${spec.help}`);
    }
  }
  out.push('', 'Your own unit: --model ./my-unit.ts (see docs/units.md).');
  process.stdout.write(out.join('\n') + '\n');
}
