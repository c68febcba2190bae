/**
 * `audiopred compare`: every (unit, seed, recording) trained side by side on
 * all cores, summarised per recording with mean ± std, a 95 % confidence
 * interval and the improvement over persistence, written as JSON and CSV.
 */
import { availableParallelism } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { EXAMPLE_RECORDINGS, loadFeatures } from '../audio/features.js';
import { cutSegments } from '../data/dataset.js';
import { UsageError } from '../errors.js';
import { version } from '../version.js';
import { getBackend } from '../kernels/index.js';
import { routeOptions } from '../models/options.js';
import { isModelName } from '../models/registry.js';
import { resolveConfig, type TrainConfig } from '../train/config.js';
import { buildUnit } from '../train/learner.js';
import { resolveUnit, type UnitSource } from '../units/load.js';
import { runJobs, type Job, type JobResult } from '../compare/job.js';
import { formatTables, runsCsv, summariesCsv } from '../compare/report.js';
import { REFERENCE_UNIT, summarizeResults } from '../compare/summary.js';
import { writeFileAtomic } from '../files.js';
import { createUniqueFolder, ensureFolder, timestamp } from '../runs/folder.js';


export interface CompareCommandOptions {
  settings: Record<string, unknown>;
  models: string;
  seeds: string;
  jobs: string;
  out?: string;
  json: boolean;
  png: boolean;
  log: boolean;
}

/** Rough relative cost of one epoch of each built-in unit, so the longest runs start first. */
const EXPECTED_COST: Record<string, number> = { transformer: 50, lstm: 12, gru: 7, eprop: 6, 'esn-rls': 3, rnn: 1, mlp: 0.5, esn: 0.2, linear: 0.1, persistence: 0.1, zero: 0.1 };

function parseSeeds(raw: string): number[] {
  const items = raw.split(',').map((s) => s.trim());
  const numbers = items.map(Number);
  if (items.some((s) => s === '') || numbers.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    throw new UsageError(`--seeds takes a count (3) or a list of seeds (1,5,9), got '${raw}'`);
  }
  if (items.length === 1) {
    if (numbers[0] < 1) throw new UsageError(`--seeds must be at least 1, got '${raw}'`);
    return Array.from({ length: numbers[0] }, (_, i) => i + 1);
  }
  if (new Set(numbers).size !== numbers.length) throw new UsageError(`--seeds lists a seed twice: '${raw}'`);
  return numbers;
}

function parseModels(raw: string): string[] {
  const models = raw.split(',').map((s) => s.trim());
  if (models.some((m) => m === '')) throw new UsageError(`--models takes a comma-separated list of units, got '${raw}'`);
  if (new Set(models).size !== models.length) throw new UsageError(`--models lists a unit twice: '${raw}'`);
  return models;
}

/** The training flags every job gets, from the resolved config (so children see exactly what was checked). */
function trainingArgs(config: TrainConfig): string[] {
  return [
    '--epochs', String(config.epochs), '--lr', String(config.lr), '--weight-decay', String(config.weightDecay),
    '--hidden', String(config.hidden), '--batch', String(config.batch), '--segment', String(config.segment),
    '--horizon', String(config.horizon), '--normalize', config.normalize, '--backend', config.backend,
  ];
}

export async function compareCommand(audio: string[], options: CompareCommandOptions): Promise<void> {
  const config = resolveConfig(options.settings);
  const seeds = parseSeeds(options.seeds);
  const models = parseModels(options.models);
  if (!models.includes(REFERENCE_UNIT)) models.unshift(REFERENCE_UNIT); // every table is read against it
  const jobsFlag = Number(options.jobs);
  if (!Number.isSafeInteger(jobsFlag) || jobsFlag < 0) throw new UsageError(`--jobs must be an integer ≥ 0, got '${options.jobs}'`);
  const files = (audio.length ? audio : EXAMPLE_RECORDINGS).map((f) => resolve(f));

  // Check everything before the first run: each recording decodes and has segments, each unit loads and works.
  const segmentCounts = new Map<string, number>();
  let features = 0;
  for (const file of files) {
    const f = await loadFeatures(file, config.normalize);
    const segments = cutSegments(f.data, f.frames, f.coefficients, config.segment, file);
    if (segments.count < 4) throw new UsageError(`${file}: only ${segments.count} segments, too few for a validation split; use a longer recording or a smaller --segment`);
    segmentCounts.set(file, segments.count);
    features = f.coefficients;
  }
  const sources: UnitSource[] = [];
  for (const model of models) sources.push(await resolveUnit(model));
  const keys = sources.map((s) => s.key);
  if (new Set(keys).size !== keys.length) throw new UsageError(`--models names two units the same way (${keys.join(', ')}); rename a module`);
  const routed = routeOptions(config.options, keys);
  for (const source of sources) {
    const own = routed.get(source.key)!;
    buildUnit(source, { ...config, options: own }, features, config.segment - 1, getBackend('plain'));
  }

  const parallel = Math.min(jobsFlag > 0 ? jobsFlag : availableParallelism(), files.length * models.length * seeds.length);
  const threads = Math.max(1, Math.floor(availableParallelism() / parallel));
  const outDir = options.out ? ensureFolder(options.out) : createUniqueFolder('runs', `compare-${timestamp()}`);
  const jobs: Job[] = [];
  for (const file of files) {
    for (const source of sources) {
      const own = Object.entries(routed.get(source.key)!).map(([k, v]) => `${k}=${v}`);
      const model = source.moduleUrl ? resolve(source.spec) : source.spec;
      for (const seed of seeds) {
        const out = join(outDir, 'runs', `${basename(file, extname(file))}-${source.key}-s${seed}`);
        jobs.push({ model, label: source.label, seed, audio: file, args: trainingArgs(config), options: own, threads, out });
      }
    }
  }

  const started = performance.now();
  const results = await runWithProgress(jobs, parallel, config.epochs, options.json);
  const wallSeconds = (performance.now() - started) / 1000;

  const summaries = summarizeResults(results);
  const heading = (file: string) => {
    const path = files.find((f) => basename(f) === file)!;
    return `${file}: ${segmentCounts.get(path)} segments of ${config.segment} frames, horizon ${config.horizon}, ${config.epochs} epochs, seeds ${seeds.join(', ')}`;
  };
  const tables = formatTables(summaries, heading);
  const record = {
    audiopred: version,
    created: new Date().toISOString(),
    wall_seconds: wallSeconds,
    parallel_runs: parallel,
    threads_per_run: threads,
    models,
    seeds,
    files: files.map((f) => ({ path: f, segments: segmentCounts.get(f) })),
    config: { ...config, model: undefined },
    summaries,
    runs: results.map(({ job, ...r }) => ({ audio: basename(job.audio), unit: job.label, model: job.model, seed: job.seed, options: job.options, ...r })),
  };
  await writeFileAtomic(join(outDir, 'compare.json'), JSON.stringify(record, null, 1) + '\n');
  await writeFileAtomic(join(outDir, 'compare.csv'), summariesCsv(summaries));
  await writeFileAtomic(join(outDir, 'runs.csv'), runsCsv(results));
  await writeFileAtomic(join(outDir, 'table.md'), tables);
  const { renderCompareReport } = await import('../report/compare.js'); // Vega and resvg load only here
  await renderCompareReport(record, { dir: outDir, png: options.png, log: options.log });
  if (options.json) {
    process.stdout.write(JSON.stringify({ out: outDir, wall_seconds: wallSeconds, summaries }) + '\n');
  } else {
    process.stdout.write(`\n${tables}\n`);
    process.stdout.write(`${jobs.length} runs in ${(wallSeconds / 60).toFixed(1)} min (${parallel} side by side, ${threads} thread${threads === 1 ? '' : 's'} each). `);
    process.stdout.write(`Results: ${join(outDir, 'compare.json')}, compare.csv, runs.csv, table.md, compare.html${options.png ? ' and PNGs' : ''}\n`);
  }
  const bad = results.filter((r) => r.status === 'failed');
  if (bad.length) throw new UsageError(`${bad.length} of ${results.length} runs failed; see runs.csv in ${outDir}`, 1);
}

/** Runs the jobs with a progress bar (terminal) or one line per finished run (pipe); silent with --json. */
async function runWithProgress(jobs: Job[], parallel: number, epochs: number, quiet: boolean): Promise<JobResult[]> {
  const out = process.stdout;
  const total = jobs.length * epochs;
  let doneEpochs = 0;
  let finished = 0;
  const bar =
    !quiet && out.isTTY
      ? new cliProgress.SingleBar(
          { stream: out, format: 'compare |{bar}| {percentage}% {runs} runs [{duration_formatted}<{eta_formatted}]', hideCursor: true, etaBuffer: 200 },
          cliProgress.Presets.shades_classic,
        )
      : null;
  bar?.start(total, 0, { runs: `0/${jobs.length}` });
  const weight = (job: Job) => EXPECTED_COST[isModelName(job.model) ? job.model : ''] ?? 2;
  const results = await runJobs(
    jobs,
    parallel,
    weight,
    () => bar?.update(++doneEpochs),
    (r) => {
      finished++;
      doneEpochs += epochs - r.curve.length; // closed-form units stop early; failed runs stop short
      bar?.update(doneEpochs, { runs: `${finished}/${jobs.length}` });
      if (!bar && !quiet) {
        const what = r.status === 'ok' ? `val ${r.finalVal.toFixed(4)}` : `${r.status}: ${r.error}`;
        out.write(`[${finished}/${jobs.length}] ${r.job.label} seed ${r.job.seed} on ${basename(r.job.audio)}: ${what} (${r.seconds.toFixed(1)} s)\n`);
      }
    },
  );
  bar?.stop();
  return results;
}
