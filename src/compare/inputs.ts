/**
 * What a study checks before its first run, so a bad recording or a broken unit is one clear
 * error rather than a table of failed runs: each recording decodes and has segments enough to
 * split, each unit loads and builds, and no two units share a name.
 */
import { basename, extname } from 'node:path';
import type { TrainConfig } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { getBackend } from '../kernels/index.js';
import { loadTaskData } from '../tasks/data.js';
import { routeOptions } from '../models/options.js';
import type { PredictorUnit } from '../models/unit.js';
import { buildUnit } from '../runs/learner.js';
import { resolveUnit, type UnitSource } from '../units/load.js';

export interface StudyInputs {
  sources: UnitSource[];
  /** How tables name each unit. */
  labels: string[];
  /** Each unit's own `--opt` settings, by its key. */
  routed: Map<string, Record<string, string>>;
  /** Each unit as built with the study's settings (its kind, and for online units its passes). */
  units: PredictorUnit[];
  segmentCounts: Map<string, number>;
}

/** How run folders name a recording (or series file): its file name without the extension. */
export const recordingName = (file: string) => basename(file, extname(file));

/** `configFor` gives the settings a unit is built with (default: the shared ones with its own options). */
export async function checkInputs(
  files: readonly string[],
  models: readonly string[],
  config: TrainConfig,
  configFor: (source: UnitSource, own: Record<string, string>) => TrainConfig = (_, own) => ({ ...config, options: own }),
): Promise<StudyInputs> {
  const names = files.map(recordingName);
  const twice = names.findIndex((n, i) => names.indexOf(n) !== i);
  if (twice >= 0) {
    const both = files.filter((f) => recordingName(f) === names[twice]).map((f) => basename(f));
    throw new UsageError(`two inputs are called ${names[twice]} (${both.join(', ')}); run folders are named by file name, so rename one`);
  }
  const segmentCounts = new Map<string, number>();
  let features = 0;
  for (const file of files) {
    const { segments } = await loadTaskData(config, file); // refuses a split with an empty part, naming the file
    segmentCounts.set(file, segments.count);
    features = segments.features;
  }
  const sources: UnitSource[] = [];
  for (const model of models) sources.push(await resolveUnit(model));
  const keys = sources.map((s) => s.key);
  if (new Set(keys).size !== keys.length) throw new UsageError(`--models names two units the same way (${keys.join(', ')}); rename a module`);
  const routed = routeOptions(config.options, keys);
  const labels: string[] = [];
  const units: PredictorUnit[] = [];
  for (const source of sources) {
    const { unit } = buildUnit(source, configFor(source, routed.get(source.key)!), features, config.segment - 1, getBackend()); // wasm where it runs: the causality probe is ~10× faster there
    units.push(unit);
    // Tables name a unit as it names itself; a user's module file name only if two units share a name.
    labels.push(source.moduleUrl ? unit.name : source.label);
  }
  const unique = labels.map((l, i) => (labels.indexOf(l) !== i || labels.lastIndexOf(l) !== i ? sources[i].label : l));
  return { sources, labels: unique, routed, units, segmentCounts };
}
