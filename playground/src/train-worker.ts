/**
 * The Web Worker that trains: the run library (settings, data, units, trainers, the epoch loop,
 * checkpoint and record formats) as the CLI's trainRun uses it, reporting each epoch to the page
 * and handing it the finished run folder (trainRun writes the same files into a folder). The page stays responsive
 * whatever the unit does; the page ends this worker if a unit does not return.
 */
import { resolveConfig, configToArgs, configToJson, type TrainConfig } from '../../dist/src/config/settings.js';
import { UsageError } from '../../dist/src/errors.js';
import { backendLabel, getBackend, wasmSupport } from '../../dist/src/kernels/index.js';
import { preloadWasm } from '../../dist/src/kernels/webassembly.js';
import { addPageFile } from '../../dist/src/page-files.js';
import { checkpointFiles, checkpointMetadata } from '../../dist/src/runs/checkpoint-files.js';
import { freeRunSmape, runEpochs, testLossOf } from '../../dist/src/runs/epoch-loop.js';
import { buildUnit, costReport, createLearner, unitOf, type Learner } from '../../dist/src/runs/learner.js';
import { predictSegment } from '../../dist/src/runs/predict.js';
import {
  configText, dataRecord, metricsLine, metricsText, runFolderName, summarizeRun, summaryText, type MetricsLine, type RunConfigRecord, type RunStatus,
} from '../../dist/src/runs/record-json.js';
import { loadTaskData, type TaskData } from '../../dist/src/tasks/data.js';
import { resolveUnit, type UnitSource } from '../../dist/src/units/load.js';
import { version } from '../../dist/src/version.js';
import { pageUnit } from './page-unit.js';
import type { Heatmap, PageMessage, RunInfo, TrainRequest, WorkerMessage } from './protocol.js';

const HEATMAP_EVERY_MS = 1000;

function post(message: WorkerMessage, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(message, transfer);
}

let stopRequested = false;

/** Lets the page's messages (stop) in between epochs without the 4 ms clamp of nested timers. */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(0);
  });
}

self.onmessage = (event: MessageEvent<PageMessage>) => {
  const message = event.data;
  if (message.type === 'stop') {
    stopRequested = true;
    return;
  }
  stopRequested = false;
  run(message).catch((err: unknown) => {
    const usage = err instanceof UsageError;
    const text = usage ? err.message : `internal error: ${(err as Error)?.stack ?? String(err)}`;
    post({ type: 'error', message: text, unit: usage && /^unit /.test(err.message) });
  });
};

async function run(request: TrainRequest): Promise<void> {
  const modelSpec = 'builtin' in request.unit ? request.unit.builtin : request.unit.page.name;
  const config = resolveConfig({ ...request.settings, model: modelSpec, ...(request.options.length ? { options: request.options } : {}) });
  const source: UnitSource = 'builtin' in request.unit ? await resolveUnit(config.model) : await pageUnit(request.unit.page.name, request.unit.page.code);
  addPageFile(request.input.name, request.input.bytes);
  const data = await loadTaskData(config, request.input.name);
  const trainer = await createLearner(data.segments, data.split, config, source);
  try {
    const unit = unitOf(trainer);
    const unitFacts = { label: source.label, name: unit.name, kind: unit.kind, params: unit.layout.size } as const;
    if (request.checkOnly) {
      post({ type: 'checked', unit: unitFacts });
      return;
    }
    await train(request, config, source, data, trainer, unitFacts);
  } finally {
    await trainer.close();
  }
}

async function train(request: TrainRequest, config: TrainConfig, source: UnitSource, data: TaskData, trainer: Learner, unitFacts: RunInfo['unit']): Promise<void> {
  const { segments, split } = data;
  const command = ['train', request.input.name, ...configToArgs(config)];
  const info: RunInfo = {
    config: configToJson(config),
    command: `audiopred ${command.join(' ')}`,
    segments: { count: segments.count, length: segments.length, features: segments.features },
    split: { train: split.train.length, val: split.val.length, test: split.test.length },
    unit: unitFacts,
    threads: trainer.threads,
    backend: backendLabel(trainer.backend),
  };
  const record: RunConfigRecord = {
    audiopred: version,
    created: new Date().toISOString(),
    command,
    config,
    threads: trainer.threads,
    backend: info.backend,
    unit: unitFacts,
    audio: { path: request.input.name, name: request.input.name.split('/').pop()!, bytes: request.input.bytes.length, sha256: await sha256(request.input.bytes) },
    data: dataRecord(segments, split),
    machine: {
      node: `browser: ${navigator.userAgent}`,
      platform: (navigator as Navigator & { userAgentData?: { platform?: string } }).userAgentData?.platform ?? 'browser',
      arch: 'wasm32',
      cpu: 'unknown',
      cores: navigator.hardwareConcurrency || 1,
      memory_gib: (navigator as Navigator & { deviceMemory?: number }).deviceMemory ?? 0,
    },
  };
  // 'start' follows the run's last await before its epochs: once the page has it, the worker is
  // in the first epoch, and a stop is read only after an epoch (or ends a worker that is stuck).
  post({ type: 'start', info });

  const metrics: MetricsLine[] = [];
  const heatmaps = new HeatmapMaker(source, config, data);
  let lastHeatmap = -Infinity;
  const loop = await runEpochs(trainer, {
    epochs: config.epochs,
    stopped: () => stopRequested,
    onEpoch: (r) => {
      metrics.push(metricsLine(r));
      post({ type: 'epoch', ...r });
      if (performance.now() - lastHeatmap > HEATMAP_EVERY_MS && unitOf(trainer).kind === 'backprop') {
        postHeatmap(heatmaps.of(trainer));
        lastHeatmap = performance.now();
      }
    },
    pause: yieldToPage,
  });
  const error = loop.diverged?.message;
  const status: RunStatus = error ? 'diverged' : trainer.epoch < config.epochs && !trainer.finished ? 'interrupted' : 'done';
  const state = error ? loop.lastGood : trainer.snapshot();
  const cost = error ? undefined : costReport(trainer);
  let testLoss: number | undefined;
  let smapeScore: number | undefined;
  if (status === 'done') {
    if (split.test.length > 0) testLoss = testLossOf(trainer, split.test);
    if (data.freeRun) smapeScore = freeRunSmape(trainer, data.freeRun, segments.length - 1);
    postHeatmap(heatmaps.of(trainer));
  }
  const end = {
    split,
    ...(testLoss !== undefined ? { testLoss } : {}),
    ...(smapeScore !== undefined ? { freeRunSmape: smapeScore } : {}),
    ...(cost ? { cost } : {}),
    ...(error ? { error } : {}),
  };
  const summary = summarizeRun(status, metrics, end, peakMb());
  const files: Record<string, Uint8Array> = {
    'config.json': utf8(configText(record)),
    'metrics.jsonl': utf8(metricsText(metrics)),
    'summary.json': utf8(summaryText(summary)),
  };
  if (state) Object.assign(files, checkpointFiles(unitOf(trainer).layout, state, checkpointMetadata(source.label, config)));
  const folder = runFolderName(source.key, config.seed);
  post({
    type: 'done', status, summary, files, folder, testLoss: testLoss ?? null,
    ...(smapeScore !== undefined ? { smape: smapeScore } : {}),
    ...(error ? { error } : {}),
  });
}

/** The target-vs-predicted MFCC of the first validation segment, by a copy of the unit on the plain kernels (training is not touched). */
class HeatmapMaker {
  private copy: ReturnType<typeof buildUnit>['unit'] | undefined;

  constructor(
    private readonly source: UnitSource,
    private readonly config: TrainConfig,
    private readonly data: TaskData,
  ) {}

  of(trainer: Learner): Heatmap | undefined {
    const { segments, split } = this.data;
    if (split.val.length === 0) return undefined;
    const trained = unitOf(trainer);
    let unit = trained;
    let params = trainer.params;
    if (trained.kind === 'backprop') {
      this.copy ??= buildUnit(this.source, this.config, segments.features, segments.length - 1, getBackend('plain'), { trained: true }).unit;
      unit = this.copy;
      params = trainer.params.slice();
    }
    const p = predictSegment(unit, params, segments, split.val[0], this.config.horizon);
    return { segment: p.segment, frames: p.frames, features: p.features, target: p.target, prediction: p.prediction };
  }
}

function postHeatmap(heatmap: Heatmap | undefined): void {
  if (heatmap) post({ type: 'heatmap', heatmap }, [heatmap.target.buffer, heatmap.prediction.buffer]);
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** The page's JavaScript heap (Chromium only), MB: the nearest a page gets to peak resident memory. */
function peakMb(): number {
  const memory = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
  return memory ? memory.usedJSHeapSize / 2 ** 20 : 0;
}

async function start(): Promise<void> {
  const isolated = self.crossOriginIsolated;
  try {
    await preloadWasm();
  } catch (err) {
    post({ type: 'ready', isolated, cores: navigator.hardwareConcurrency || 1, kernels: 'plain', why: `the wasm kernels did not load: ${(err as Error).message}` });
    return;
  }
  const support = wasmSupport();
  post({
    type: 'ready',
    isolated,
    cores: navigator.hardwareConcurrency || 1,
    kernels: support.ok ? backendLabel(getBackend()) : 'plain',
    ...(support.ok ? {} : { why: support.reason }),
  });
}

void start();
