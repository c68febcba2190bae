/**
 * tune.json as a Markdown table, a row per unit: the configuration that won, what its trials
 * cost, and its test loss with the paired difference from persistence. A statistic that does not
 * exist (the spread of one seed, a test loss before the split existed) reads '—', never 0.
 */
import { describeTuned, tunedFromJson } from '../compare/tuned.js';
import type { Summary } from '../compare/stats.js';
import { REFERENCE_UNIT } from '../compare/summary.js';
import { markdownTable } from '../format.js';
import type { TuneRecord, UnitRecordJson } from './record.js';

const NONE = '—';
/** Four decimals, or three significant digits below 0.01 (a loss of 0.0007 is not 0.0007 ± nothing). */
const loss = (x: number) => (x !== 0 && Math.abs(x) < 0.01 ? x.toPrecision(3) : x.toFixed(4));
const withInterval = (s: Summary | null) => (s ? `${loss(s.mean)}${s.ci95 ? ` [${loss(s.ci95[0])}, ${loss(s.ci95[1])}]` : ''}` : NONE);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${loss(x)}`;

const COLUMNS: [string, (u: UnitRecordJson) => string][] = [
  ['unit', (u) => u.unit],
  ['best config', (u) => (u.unit === REFERENCE_UNIT ? 'reference' : u.best_config ? describeTuned(tunedFromJson(u.best_config, 'tune.json')) : 'none (every trial diverged)')],
  ['trials run / stopped', (u) => (u.unit === REFERENCE_UNIT ? NONE : `${u.trials_run} / ${u.trials_stopped + u.trials_diverged}`)],
  ['epochs spent', (u) => (u.unit === REFERENCE_UNIT ? NONE : String(u.epochs_spent))],
  ['test loss [95 % CI]', (u) => withInterval(u.test_loss)],
  ['Δ vs persistence [95 % CI], wins', (u) => {
    if (u.unit === REFERENCE_UNIT) return 'reference';
    const v = u.vs_persistence;
    return v ? `${signed(v.mean)}${v.ci95 ? ` [${signed(v.ci95[0])}, ${signed(v.ci95[1])}]` : ''}, ${v.wins}/${v.n}` : NONE;
  }],
  ['eval', (u) => u.eval],
];

/** Test loss by recording (mean over seeds), marked where a unit beats persistence on it. */
function perRecordingTable(record: TuneRecord): string[] {
  const names = record.files.map((f) => f.path.split(/[\\/]/).pop()!);
  const reference = record.units.find((u) => u.unit === REFERENCE_UNIT)?.test_loss?.per_recording ?? {};
  const rows = record.units.map((u) => [
    u.unit,
    ...names.map((n) => {
      const x = u.test_loss?.per_recording[n];
      if (x === undefined || x === null) return NONE;
      const ref = reference[n];
      return u.unit !== REFERENCE_UNIT && typeof ref === 'number' && x < ref ? `**${loss(x)}**` : loss(x);
    }),
  ]);
  return [...markdownTable(['test loss by recording', ...names], rows), '', 'Mean over seeds; bold: below persistence on that recording.'];
}

/** How many trials scored, if three or more did and all the same (the search varied nothing the unit reads); else 0. */
function trialsScoredAlike(u: UnitRecordJson): number {
  const first = u.trials.map((t) => t.scores[0]?.score).filter((x): x is number => typeof x === 'number');
  return first.length >= 3 && first.every((x) => Math.abs(x - first[0]) <= 1e-12 * Math.abs(first[0])) ? first.length : 0;
}

export function formatTuneTable(record: TuneRecord): string {
  const { settings } = record;
  const rows = record.units.map((u) => COLUMNS.map(([, cell]) => cell(u)));
  const files = record.files.map((f) => f.path.split(/[\\/]/).pop()).join(', ');
  const heading =
    `tune: ${settings.trials} trials per unit of at most ${settings.epochs} epochs (ASHA, reduction ${settings.reduction}, rungs ${settings.rungs.join(', ')}), ` +
    `best config retrained with seeds ${settings.seeds.join(', ')}; split ${settings.split.map((f) => +f.toFixed(3)).join('/')} (seed ${settings.split_seed}); ${files}`;
  const out = [heading, '', ...markdownTable(COLUMNS.map(([title]) => title), rows), ''];
  out.push('Test loss: MSE on the held-out test segments, the mean over recordings per seed, then over seeds. Δ: persistence − unit, paired by seed and recording (above 0 beats persistence).');
  out.push('', ...perRecordingTable(record));
  for (const u of record.units) {
    const alike = trialsScoredAlike(u);
    if (alike) out.push(`${u.unit}: its ${alike} trials scored the same at their first rung, so the search chose nothing; its search space may vary settings it does not read (docs/units.md, "Search space").`);
  }
  if (record.status !== 'done') out.push(`The study was stopped (${record.status}): rows show what had finished.`);
  return out.join('\n') + '\n';
}
