// load.ts for a browser (the playground's build substitutes this file): built-in units by name.
// A page has no files to bundle: its own units are written in the page's editor, compiled
// there (playground/src/page-unit.ts) and handed to createLearner as a UnitSource.

import { isModelName, modelNames } from '../models/registry.js';
import { builtinUnit } from './builtin.js';
import { UsageError } from '../errors.js';
import type { UnitSource } from './load.js';

export type { UnitSource };

export async function resolveUnit(spec: string): Promise<UnitSource> {
  if (isModelName(spec)) return builtinUnit(spec);
  throw new UsageError(`unit ${spec}: in the playground, choose one of ${modelNames.join(', ')} or write your unit in the editor`);
}
