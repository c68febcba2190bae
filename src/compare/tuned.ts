/**
 * A tuned configuration: the settings and unit options `audiopred tune` chose for a unit (a trial's
 * config, a unit's best_config), applied over a study's shared settings by tune's trials and by
 * `compare --tuned`. On disk its keys are the settings' JSON names (weight_decay).
 */
import { SETTINGS, type TrainConfig } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { SEARCHABLE_SETTINGS, type SearchableSetting } from '../models/search.js';

export type TunedConfig = { [K in SearchableSetting]?: number } & {
  /** The unit's own options, by key. */
  options?: Record<string, number>;
};

/** `config` with the tuned settings and options in place of its own. */
export function withTuned(config: TrainConfig, tuned: TunedConfig): TrainConfig {
  const out: TrainConfig = { ...config, options: { ...config.options } };
  for (const key of SEARCHABLE_SETTINGS) if (tuned[key] !== undefined) out[key] = tuned[key];
  for (const [key, value] of Object.entries(tuned.options ?? {})) out.options[key] = String(value);
  return out;
}

export function tunedToJson(tuned: TunedConfig): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const key of SEARCHABLE_SETTINGS) if (tuned[key] !== undefined) json[SETTINGS[key].json] = tuned[key];
  if (tuned.options && Object.keys(tuned.options).length) json.options = { ...tuned.options };
  return json;
}

/** A config tunedToJson wrote, read back; `where` names the file in errors. */
export function tunedFromJson(json: unknown, where: string): TunedConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UsageError(`${where}: a tuned config is an object, got ${JSON.stringify(json)}`);
  const record = json as Record<string, unknown>;
  const tuned: TunedConfig = {};
  const names = new Map<string, SearchableSetting>(SEARCHABLE_SETTINGS.map((k) => [SETTINGS[k].json, k]));
  for (const [name, value] of Object.entries(record)) {
    if (name === 'options') {
      const options = value as Record<string, unknown>;
      tuned.options = {};
      for (const [k, v] of Object.entries(options)) {
        if (typeof v !== 'number') throw new UsageError(`${where}: option ${k} is not a number (${JSON.stringify(v)})`);
        tuned.options[k] = v;
      }
      continue;
    }
    const key = names.get(name);
    if (!key || typeof value !== 'number') throw new UsageError(`${where}: '${name}: ${JSON.stringify(value)}' is not a tuned setting`);
    tuned[key] = value;
  }
  return tuned;
}

/** Short names for a table cell. */
const SHORT: Record<SearchableSetting, string> = { lr: 'lr', hidden: 'hidden', weightDecay: 'wd', batch: 'batch' };

/** 'lr 3.2e-3, hidden 64, wd 0, batch 8, leak 0.31' ('defaults' when nothing is tuned). */
export function describeTuned(tuned: TunedConfig): string {
  const number = (x: number) => (x !== 0 && (Math.abs(x) < 1e-2 || Math.abs(x) >= 1e4) ? x.toExponential() : String(x));
  const parts = SEARCHABLE_SETTINGS.filter((k) => tuned[k] !== undefined).map((k) => `${SHORT[k]} ${number(tuned[k]!)}`);
  for (const [k, v] of Object.entries(tuned.options ?? {})) parts.push(`${k} ${number(v)}`);
  return parts.length ? parts.join(', ') : 'defaults';
}
