/**
 * Unit settings from `--opt key=value`: every unit declares the numeric
 * options it reads, with defaults and bounds, and gets them checked here, so
 * a typo or a bad value is a clear error naming the unit, not a silent default.
 */
import { UsageError } from '../errors.js';

export interface OptionSpec {
  readonly default: number;
  /** Inclusive bounds. */
  readonly min?: number;
  readonly max?: number;
  /** Bounds that exclude the value itself, e.g. a positive number: { above: 0 }. */
  readonly above?: number;
  readonly integer?: boolean;
  /** One line for docs/units.md and errors. */
  readonly help: string;
}

export type OptionValues<S extends Record<string, OptionSpec>> = { -readonly [K in keyof S]: number };

function describe(spec: OptionSpec): string {
  const parts = [spec.integer ? 'an integer' : 'a number'];
  if (spec.above !== undefined) parts.push(`> ${spec.above}`);
  if (spec.min !== undefined) parts.push(`≥ ${spec.min}`);
  if (spec.max !== undefined) parts.push(`≤ ${spec.max}`);
  return parts.join(' ');
}

/** The unit's options: `given` over the defaults of `specs`; unknown keys and bad values are UsageErrors. */
export function readOptions<S extends Record<string, OptionSpec>>(
  unit: string,
  given: Readonly<Record<string, string>>,
  specs: S,
): OptionValues<S> {
  const values = {} as OptionValues<S>;
  for (const key of Object.keys(specs) as (keyof S & string)[]) values[key] = specs[key].default;
  for (const [key, raw] of Object.entries(given)) {
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    if (!spec) {
      const known = Object.keys(specs);
      throw new UsageError(
        `unit ${unit} has no option '${key}'; ${known.length ? `its options: ${known.join(', ')}` : 'it takes no options'}`,
      );
    }
    const n = Number(raw.trim());
    const ok =
      raw.trim() !== '' &&
      Number.isFinite(n) &&
      (!spec.integer || Number.isInteger(n)) &&
      (spec.above === undefined || n > spec.above) &&
      (spec.min === undefined || n >= spec.min) &&
      (spec.max === undefined || n <= spec.max);
    if (!ok) throw new UsageError(`unit ${unit}: option ${key} must be ${describe(spec)}, got '${raw}'`);
    (values as Record<string, number>)[key] = n;
  }
  return values;
}

/**
 * `--opt` settings sorted by unit: `unit.key=value` goes to that unit only,
 * a plain `key=value` to the single unit being trained. With several units
 * (compare), every setting must name its unit, so none is silently ignored.
 */
export function routeOptions(options: Readonly<Record<string, string>>, units: readonly string[]): Map<string, Record<string, string>> {
  const routed = new Map(units.map((u) => [u, {} as Record<string, string>]));
  for (const [key, value] of Object.entries(options)) {
    const unit = units.find((u) => key.startsWith(`${u}.`));
    if (unit) {
      routed.get(unit)![key.slice(unit.length + 1)] = value;
    } else if (key.includes('.')) {
      throw new UsageError(`--opt ${key}=${value} names unit '${key.split('.')[0]}', which is not being trained (units: ${units.join(', ')})`);
    } else if (units.length === 1) {
      routed.get(units[0])![key] = value;
    } else {
      throw new UsageError(`--opt ${key}=${value}: with several units, say which one it is for, e.g. --opt ${units[0]}.${key}=${value}`);
    }
  }
  return routed;
}
