import { BUILTIN_INFO, builtinFactory, type ModelName } from '../models/registry.js';
import type { UnitSource } from './load.js';

/** A built-in unit as a UnitSource: the same in Node (load.ts) and a page (load.browser.ts). */
export function builtinUnit(name: ModelName): UnitSource {
  return { spec: name, label: name, key: name, factory: builtinFactory(name), search: BUILTIN_INFO[name].search };
}
