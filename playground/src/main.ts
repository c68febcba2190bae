/**
 * The playground page: pick a recording (or drop a file), a unit (or write one), settings from
 * the CLI's own settings table, and train in a Web Worker (train-worker.ts) with live curves, a
 * target-vs-predicted heatmap and a stop button; compare units over seeds with compare's table;
 * download a run as the CLI's run folder, or load one (or a compare.json) to view it. The
 * settings live in the URL, so a link reproduces a run.
 */
import { strFromU8, strToU8, unzipSync, zipSync, deflateSync, inflateSync } from 'fflate';
import { DEFAULT_CONFIG, SETTING_KEYS, SETTINGS, settingText, type SettingKey } from '../../dist/src/config/settings.js';
import { formatTables } from '../../dist/src/compare/tables.js';
import { readUnitSummaries, summarizeResults } from '../../dist/src/compare/summary.js';
import { EXAMPLE_MACKEY_GLASS, EXAMPLE_RECORDINGS } from '../../dist/src/examples.js';
import type { JobResult } from '../../dist/src/jobs/job.js';
import { modelNames } from '../../dist/src/models/registry.js';
import { costFromJson, type MetricsLine, type RunSummary } from '../../dist/src/runs/record-json.js';
import exampleUnit from '../../examples/units/delta-rule.ts?raw';
import { drawCurves, drawHeatmaps, SERIES_COLORS, type CurveSeries } from './plots.js';
import type { Heatmap, PageMessage, RunInfo, TrainRequest, WorkerMessage } from './protocol.js';

const EDITOR_UNIT = 'editor';
/** Settings the page sets elsewhere (the unit list, the editor, the options field). */
const NOT_IN_FORM: readonly SettingKey[] = ['model', 'options'];
const STOP_GRACE_MS = 3000;

const $ = <T extends HTMLElement>(testid: string): T => {
  const el = document.querySelector<T>(`[data-testid="${testid}"]`);
  if (!el) throw new Error(`the page has no element ${testid}`);
  return el;
};
const flagName = (key: SettingKey) => SETTINGS[key].flag.replace(/^--/, '');

// ---------------------------------------------------------------------------------------------
// Controls

function buildInputs(): void {
  const recording = $<HTMLSelectElement>('recording');
  for (const path of [...EXAMPLE_RECORDINGS, EXAMPLE_MACKEY_GLASS]) recording.add(new Option(path.split('/').pop()!, path));
  recording.add(new Option('your file…', 'file'));
  const unit = $<HTMLSelectElement>('unit');
  for (const name of modelNames) unit.add(new Option(name, name));
  unit.add(new Option('your unit (editor)', EDITOR_UNIT));
}

/** One field per setting of the CLI's table, empty = the default (a task's own default where it has one), as on the command line. */
function buildSettingsForm(): void {
  const form = $<HTMLElement>('settings');
  for (const key of SETTING_KEYS) {
    if (NOT_IN_FORM.includes(key)) continue;
    const s = SETTINGS[key];
    const label = document.createElement('label');
    label.title = s.help;
    label.append(s.flag);
    const shownDefault = settingText(key, DEFAULT_CONFIG[key]);
    let field: HTMLInputElement | HTMLSelectElement;
    if (s.choices) {
      field = document.createElement('select');
      field.add(new Option(`default (${shownDefault})`, ''));
      for (const c of s.choices) field.add(new Option(c, c));
    } else {
      field = document.createElement('input');
      field.placeholder = shownDefault === 'null' ? 'as --seed' : shownDefault;
      field.spellcheck = false;
    }
    field.name = key;
    field.dataset.testid = flagName(key);
    label.append(field);
    form.append(label);
  }
}

function settingsOfForm(): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const key of SETTING_KEYS) {
    if (NOT_IN_FORM.includes(key)) continue;
    const value = $<HTMLInputElement>(flagName(key)).value.trim();
    if (value !== '') settings[key] = value;
  }
  return settings;
}

const optionsOfForm = () =>
  $<HTMLInputElement>('opt').value.split(/[\s,]+/).filter(Boolean);

// ---------------------------------------------------------------------------------------------
// The URL: every control's value, so a link reproduces the page

function saveToUrl(): void {
  const q = new URLSearchParams();
  q.set('recording', $<HTMLSelectElement>('recording').value);
  q.set('unit', $<HTMLSelectElement>('unit').value);
  for (const [key, value] of Object.entries(settingsOfForm())) q.set(flagName(key as SettingKey), value);
  for (const o of optionsOfForm()) q.append('opt', o);
  for (const id of ['compare-units', 'compare-seeds']) if ($<HTMLInputElement>(id).value.trim()) q.set(id, $<HTMLInputElement>(id).value.trim());
  let hash = '';
  if ($<HTMLSelectElement>('unit').value === EDITOR_UNIT) {
    q.set('unit-name', $<HTMLInputElement>('unit-name').value);
    if ($<HTMLTextAreaElement>('editor').value !== exampleUnit) hash = `#code=${base64url(deflateSync(strToU8($<HTMLTextAreaElement>('editor').value)))}`;
  }
  history.replaceState(null, '', `?${q}${hash}`);
}

function loadFromUrl(): void {
  const q = new URLSearchParams(location.search);
  const set = (id: string, value: string | null) => {
    if (value === null) return;
    const el = $<HTMLInputElement | HTMLSelectElement>(id);
    el.value = value;
  };
  set('recording', q.get('recording') ?? (q.get('task') === 'mackey-glass' ? EXAMPLE_MACKEY_GLASS : null));
  set('unit', q.get('unit'));
  for (const key of SETTING_KEYS) if (!NOT_IN_FORM.includes(key)) set(flagName(key), q.get(flagName(key)));
  if (q.getAll('opt').length) set('opt', q.getAll('opt').join(' '));
  set('compare-units', q.get('compare-units'));
  set('compare-seeds', q.get('compare-seeds'));
  set('unit-name', q.get('unit-name'));
  const code = /^#code=([\w-]+)/.exec(location.hash)?.[1];
  $<HTMLTextAreaElement>('editor').value = code ? strFromU8(inflateSync(fromBase64url(code))) : exampleUnit;
}

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

// ---------------------------------------------------------------------------------------------
// The input

let userFile: { name: string; bytes: Uint8Array } | undefined;
const fetched = new Map<string, Uint8Array>();

async function chosenInput(): Promise<{ name: string; bytes: Uint8Array }> {
  const choice = $<HTMLSelectElement>('recording').value;
  if (choice === 'file') {
    if (!userFile) throw new Error('choose or drop a file first');
    return userFile;
  }
  let bytes = fetched.get(choice);
  if (!bytes) {
    const response = await fetch(choice);
    if (!response.ok) throw new Error(`${choice}: ${response.status} ${response.statusText}`);
    bytes = new Uint8Array(await response.arrayBuffer());
    fetched.set(choice, bytes);
  }
  return { name: choice, bytes };
}

async function takeFiles(files: FileList | File[]): Promise<void> {
  const list = [...files];
  if (list.length === 0) return;
  const names = list.map((f) => f.name);
  // A run folder (its files, or its zip) or a compare.json is viewed; anything else is an input.
  if (list.some((f) => /\.zip$/i.test(f.name)) || names.includes('metrics.jsonl') || names.includes('compare.json')) {
    await viewFiles(list);
    return;
  }
  const file = list[0];
  userFile = { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
  const recording = $<HTMLSelectElement>('recording');
  recording.options[recording.options.length - 1].text = `your file: ${file.name}`;
  recording.value = 'file';
  if (/\.(npy|csv)$/i.test(file.name) && $<HTMLSelectElement>('task').value === '') $<HTMLSelectElement>('task').value = 'series';
  saveToUrl();
}

// ---------------------------------------------------------------------------------------------
// The training worker

interface Session {
  worker: Worker;
  ready: Promise<Extract<WorkerMessage, { type: 'ready' }>>;
  listener?: (m: WorkerMessage) => void;
}

let session: Session = startWorker();

function startWorker(): Session {
  const worker = new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module' });
  const s: Session = { worker, ready: undefined! };
  s.ready = new Promise((resolve) => {
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      if (event.data.type === 'ready') resolve(event.data);
      else s.listener?.(event.data);
    };
  });
  worker.onerror = (event) => showError(`the training worker failed: ${event.message}`, false);
  return s;
}

function send(message: PageMessage): void {
  session.worker.postMessage(message);
}

type RunEnd = Extract<WorkerMessage, { type: 'done' }>;

/** One run in the worker: resolves when it ends; rejects with its one-line error. */
function runInWorker(request: TrainRequest, on: { start?: (info: RunInfo) => void; epoch?: (m: Extract<WorkerMessage, { type: 'epoch' }>) => void; heatmap?: (h: Heatmap) => void }): Promise<RunEnd | Extract<WorkerMessage, { type: 'checked' }>> {
  const ended = () => {
    clearTimeout(stopping);
    stopping = undefined;
    cancelRun = undefined;
  };
  return new Promise<RunEnd | Extract<WorkerMessage, { type: 'checked' }>>((resolve, reject) => {
    session.listener = (m) => {
      if (m.type === 'start') on.start?.(m.info);
      else if (m.type === 'epoch') on.epoch?.(m);
      else if (m.type === 'heatmap') on.heatmap?.(m.heatmap);
      else if (m.type === 'done' || m.type === 'checked') resolve(m);
      else if (m.type === 'error') reject(Object.assign(new Error(m.message), { unit: m.unit }));
    };
    cancelRun = (why) => reject(Object.assign(new Error(why), { unit: true, stopped: true }));
    send(request);
  }).finally(ended);
}

let stopping: ReturnType<typeof setTimeout> | undefined;
let cancelRun: ((why: string) => void) | undefined;
let stopAll = false;

/** Asks the run to stop after its epoch; a unit that does not return in time has its worker ended. */
function stop(): void {
  stopAll = true;
  if (!cancelRun) return;
  send({ type: 'stop' });
  stopping ??= setTimeout(() => {
    session.worker.terminate();
    session = startWorker();
    cancelRun?.('stopped: the unit did not return, so its worker was ended');
  }, STOP_GRACE_MS);
}

// ---------------------------------------------------------------------------------------------
// Showing a run

let lastRun: RunEnd | undefined;

function setStatus(text: string): void {
  $('status').textContent = text;
}

function showNumbers(epoch: number | string, train: number | null, val: number | null, eps?: number): void {
  $('epoch').textContent = String(epoch);
  $('train-loss').textContent = train === null ? '–' : train.toFixed(6);
  $('val-loss').textContent = val === null ? '–' : val.toFixed(6);
  $('epochs-per-second').textContent = eps === undefined ? '–' : eps.toFixed(1);
}

function showError(message: string, unit: boolean): void {
  $(unit ? 'unit-error' : 'error').textContent = message;
  if (unit) $('unit-error').hidden = false;
  else $('error').hidden = false;
}

function clearErrors(): void {
  for (const id of ['error', 'unit-error']) {
    $(id).textContent = '';
    $(id).hidden = true;
  }
}

function curvesOf(label: string, metrics: readonly { epoch: number; train: number; val: number }[], color: string, withTrain: boolean): CurveSeries[] {
  const val: CurveSeries = { label: `${label} validation`, color, dashed: true, points: metrics.map((m) => ({ x: m.epoch, y: m.val })) };
  if (!withTrain) return [{ ...val, label }];
  return [{ label: `${label} train`, color, points: metrics.map((m) => ({ x: m.epoch, y: m.train })) }, val];
}

function drawHeatmap(h: Heatmap): void {
  drawHeatmaps($<HTMLCanvasElement>('heatmap'), [
    { title: `target: validation segment ${h.segment}`, data: h.target, frames: h.frames, features: h.features },
    { title: 'predicted', data: h.prediction, frames: h.frames, features: h.features },
  ]);
}

function describe(info: RunInfo): string {
  const s = info.segments;
  return `${info.unit.label} (${info.unit.params.toLocaleString('en')} parameters, ${info.unit.kind}) on ${s.count} segments of ${s.length} frames × ${s.features}: ` +
    `${info.split.train} train / ${info.split.val} validation${info.split.test ? ` / ${info.split.test} test` : ''}; ${info.backend} kernels on ${info.threads} thread${info.threads === 1 ? '' : 's'}\n${info.command}`;
}

function endLine(end: RunEnd): string {
  const s = end.summary;
  const parts = [`${end.status}: ${s.epochs} epochs in ${s.train_seconds.toFixed(1)} s`];
  if (s.best_val_loss !== null) parts.push(`best validation ${s.best_val_loss.toFixed(6)} (epoch ${s.best_epoch})`);
  if (end.testLoss !== null) parts.push(`test ${end.testLoss.toFixed(6)}`);
  if (end.smape !== undefined) parts.push(`free-running sMAPE ${end.smape.toFixed(2)}`);
  return parts.join(', ') + (end.error ? `\n${end.error}` : '');
}

// ---------------------------------------------------------------------------------------------
// Actions

async function requestOf(unitChoice: string, seed?: number, checkOnly = false): Promise<TrainRequest> {
  const settings = settingsOfForm();
  if (seed !== undefined) settings.seed = String(seed);
  const unit = unitChoice === EDITOR_UNIT
    ? { page: { name: $<HTMLInputElement>('unit-name').value.trim() || 'my-unit.ts', code: $<HTMLTextAreaElement>('editor').value } }
    : { builtin: unitChoice };
  const input = await chosenInput();
  // A copy: the worker keeps the bytes it is given for the run.
  return { type: 'train', settings, options: optionsOfForm(), unit, input: { name: input.name, bytes: input.bytes.slice() }, ...(checkOnly ? { checkOnly } : {}) };
}

function busy(on: boolean): void {
  for (const id of ['train', 'compare', 'check']) $<HTMLButtonElement>(id).disabled = on;
  $<HTMLButtonElement>('stop').disabled = !on;
}

async function train(): Promise<void> {
  clearErrors();
  busy(true);
  stopAll = false;
  $<HTMLButtonElement>('download').disabled = true;
  $('table').textContent = '';
  const metrics: { epoch: number; train: number; val: number }[] = [];
  const unitChoice = $<HTMLSelectElement>('unit').value;
  let label = unitChoice;
  const redraw = () => drawCurves($<HTMLCanvasElement>('curves'), curvesOf(label, metrics, SERIES_COLORS[0], true));
  let frame = 0;
  try {
    setStatus('loading');
    const request = await requestOf(unitChoice);
    await session.ready;
    setStatus('training');
    showNumbers('–', null, null);
    const end = await runInWorker(request, {
      start: (info) => {
        label = info.unit.label;
        $('run').textContent = describe(info);
      },
      epoch: (m) => {
        metrics.push({ epoch: m.epoch, train: m.trainLoss, val: m.valLoss });
        showNumbers(m.epoch, m.trainLoss, m.valLoss, m.epochsPerSecond);
        frame ||= requestAnimationFrame(() => {
          frame = 0;
          redraw();
        });
      },
      heatmap: drawHeatmap,
    });
    if (end.type !== 'done') return;
    lastRun = end;
    redraw();
    $('run').textContent += `\n${endLine(end)}`;
    $<HTMLButtonElement>('download').disabled = false;
    if (end.error) showError(end.error, /^unit /.test(end.error));
    setStatus(end.status);
  } catch (err) {
    const e = err as Error & { unit?: boolean; stopped?: boolean };
    showError(e.message, Boolean(e.unit));
    setStatus(e.stopped ? 'interrupted' : 'error');
  } finally {
    busy(false);
  }
}

/** Builds and probes the editor's unit (including the causality probe) on the chosen data, without training. */
async function check(): Promise<void> {
  clearErrors();
  busy(true);
  try {
    setStatus('checking');
    await session.ready;
    const end = await runInWorker(await requestOf(EDITOR_UNIT, undefined, true), {});
    if (end.type === 'checked') {
      $('unit-error').hidden = false;
      $('unit-error').textContent = `ok: ${end.unit.label} (${end.unit.kind}, ${end.unit.params.toLocaleString('en')} parameters) passed the checks`;
    }
    setStatus('checked');
  } catch (err) {
    const e = err as Error & { unit?: boolean };
    showError(e.message, Boolean(e.unit));
    setStatus('error');
  } finally {
    busy(false);
  }
}

/** Every unit listed × every seed, one after another, summarised as `audiopred compare` does. */
async function compare(): Promise<void> {
  clearErrors();
  busy(true);
  stopAll = false;
  const units = $<HTMLInputElement>('compare-units').value.split(/[\s,]+/).filter(Boolean);
  const seeds = ($<HTMLInputElement>('compare-seeds').value || '1,2,3').split(/[\s,]+/).filter(Boolean).map(Number);
  if (units.length === 0) units.push('persistence', $<HTMLSelectElement>('unit').value);
  const results: JobResult[] = [];
  const curves: CurveSeries[] = [];
  try {
    const input = await chosenInput();
    await session.ready;
    for (const [u, unitChoice] of units.entries()) {
      for (const seed of seeds) {
        if (stopAll) break;
        setStatus(`training ${unitChoice} seed ${seed} (${results.length + 1}/${units.length * seeds.length})`);
        const metrics: { epoch: number; train: number; val: number }[] = [];
        let label = unitChoice;
        const end = await runInWorker(await requestOf(unitChoice, seed), {
          start: (info) => (label = info.unit.label),
          epoch: (m) => {
            metrics.push({ epoch: m.epoch, train: m.trainLoss, val: m.valLoss });
            showNumbers(m.epoch, m.trainLoss, m.valLoss, m.epochsPerSecond);
          },
          heatmap: drawHeatmap,
        }).catch((err: Error) => ({ type: 'failed' as const, error: err.message }));
        if (end.type === 'checked') continue;
        curves.push(...curvesOf(`${label} s${seed}`, metrics, SERIES_COLORS[u % SERIES_COLORS.length], false));
        drawCurves($<HTMLCanvasElement>('curves'), curves);
        results.push(jobResult(label, unitChoice, seed, input.name, metrics, end));
        $('table').textContent = formatTables(summarizeResults(results), (audio) => `${audio}: seeds ${seeds.join(', ')}`);
        if (end.type === 'done') lastRun = end;
      }
    }
    setStatus(stopAll ? 'interrupted' : 'done');
  } catch (err) {
    showError((err as Error).message, Boolean((err as { unit?: boolean }).unit));
    setStatus('error');
  } finally {
    busy(false);
  }
}

function jobResult(label: string, model: string, seed: number, audio: string, curve: JobResult['curve'], end: RunEnd | { type: 'failed'; error: string }): JobResult {
  const job = { model, label, seed, audio, config: {}, options: optionsOfForm(), threads: 0, out: '', saveEvery: 0 };
  if (end.type === 'failed') return { job, status: 'failed', error: end.error, curve, finalTrain: NaN, finalVal: NaN, bestVal: NaN, seconds: NaN };
  const s = end.summary;
  return {
    job,
    status: end.status === 'done' ? 'ok' : end.status,
    ...(end.error ? { error: end.error } : {}),
    curve,
    finalTrain: s.final_train_loss ?? NaN,
    finalVal: s.final_val_loss ?? NaN,
    bestVal: s.best_val_loss ?? NaN,
    seconds: s.train_seconds,
    ...(s.cost ? { cost: s.cost } : {}),
    testLoss: end.testLoss,
    ...(end.smape !== undefined ? { smape: end.smape } : {}),
  };
}

function download(): void {
  if (!lastRun) return;
  const files: Record<string, Uint8Array> = {};
  for (const [name, bytes] of Object.entries(lastRun.files)) files[`${lastRun.folder}/${name}`] = bytes;
  const url = URL.createObjectURL(new Blob([zipSync(files)], { type: 'application/zip' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${lastRun.folder}.zip`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// ---------------------------------------------------------------------------------------------
// Viewing a run folder or a compare.json

async function viewFiles(list: File[]): Promise<void> {
  clearErrors();
  const files = new Map<string, Uint8Array>();
  for (const f of list) {
    const bytes = new Uint8Array(await f.arrayBuffer());
    if (/\.zip$/i.test(f.name)) for (const [name, b] of Object.entries(unzipSync(bytes))) files.set(name.split('/').pop()!, b);
    else files.set(f.name, bytes);
  }
  const text = (name: string) => (files.has(name) ? strFromU8(files.get(name)!) : undefined);
  try {
    const compareJson = text('compare.json');
    if (compareJson) return viewCompare(JSON.parse(compareJson) as { summaries: Record<string, unknown>[]; runs: { unit: string; seed: number; curve: { epoch: number; train: number; val: number }[] }[]; labels?: string[] });
    const metricsText = text('metrics.jsonl');
    if (!metricsText) throw new Error('no metrics.jsonl, run folder zip or compare.json among the files');
    const metrics = metricsText.split('\n').filter(Boolean).map((l) => JSON.parse(l) as MetricsLine);
    const summary = text('summary.json') ? (JSON.parse(text('summary.json')!) as RunSummary) : undefined;
    const config = text('config.json') ? (JSON.parse(text('config.json')!) as { unit?: { label: string }; command?: string[] }) : undefined;
    const label = config?.unit?.label ?? 'run';
    const points = metrics.map((m) => ({ epoch: m.epoch, train: m.train_loss, val: m.val_loss }));
    drawCurves($<HTMLCanvasElement>('curves'), curvesOf(label, points, SERIES_COLORS[0], true));
    const last = metrics.at(-1);
    showNumbers(last?.epoch ?? '–', last?.train_loss ?? null, last?.val_loss ?? null, last?.epochs_per_second);
    $('run').textContent = `viewing ${label}${config?.command ? `: audiopred ${config.command.join(' ')}` : ''}` +
      (summary ? `\n${summary.status}: ${summary.epochs} epochs, best validation ${summary.best_val_loss} (epoch ${summary.best_epoch}), test ${summary.final_test_loss ?? '–'}` : '');
    $('table').textContent = summary?.cost ? `cost: ${JSON.stringify(costFromJson(summary.cost))}` : '';
    setStatus('viewing');
  } catch (err) {
    showError(`cannot view those files: ${(err as Error).message}`, false);
  }
}

function viewCompare(json: { summaries: Record<string, unknown>[]; runs: { unit: string; seed: number; curve: { epoch: number; train: number; val: number }[] }[] }): void {
  const units = [...new Set(json.runs.map((r) => r.unit))];
  const curves = json.runs.flatMap((r) => curvesOf(`${r.unit} s${r.seed}`, r.curve, SERIES_COLORS[units.indexOf(r.unit) % SERIES_COLORS.length], false));
  drawCurves($<HTMLCanvasElement>('curves'), curves);
  $('table').textContent = formatTables(readUnitSummaries(json.summaries), (audio) => audio);
  $('run').textContent = `viewing compare.json: ${json.runs.length} runs of ${units.join(', ')}`;
  setStatus('viewing');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  buildInputs();
  buildSettingsForm();
  loadFromUrl();
  const editor = $<HTMLTextAreaElement>('editor');
  editor.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab') return;
    e.preventDefault();
    editor.setRangeText('  ', editor.selectionStart, editor.selectionEnd, 'end');
  });
  document.querySelector('main')!.addEventListener('change', saveToUrl);
  editor.addEventListener('input', saveToUrl);
  $('task').addEventListener('change', () => {
    const task = $<HTMLSelectElement>('task').value;
    const recording = $<HTMLSelectElement>('recording');
    if (task === 'mackey-glass') recording.value = EXAMPLE_MACKEY_GLASS;
    else if (recording.value === EXAMPLE_MACKEY_GLASS) recording.value = EXAMPLE_RECORDINGS[0];
    saveToUrl();
  });
  $('train').addEventListener('click', () => void train());
  $('check').addEventListener('click', () => void check());
  $('compare').addEventListener('click', () => void compare());
  $('stop').addEventListener('click', stop);
  $('download').addEventListener('click', download);
  $<HTMLInputElement>('file').addEventListener('change', (e) => void takeFiles((e.target as HTMLInputElement).files ?? []));
  $<HTMLInputElement>('view').addEventListener('change', (e) => void viewFiles([...((e.target as HTMLInputElement).files ?? [])]));
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    void takeFiles(e.dataTransfer?.files ?? []);
  });
  drawCurves($<HTMLCanvasElement>('curves'), []);
  busy(false);
  setStatus('loading');
  const ready = await session.ready;
  const threads = ready.isolated ? `${ready.cores} threads` : 'one thread';
  $('notice').textContent = ready.isolated
    ? `${ready.kernels} kernels, ${threads}`
    : `This page is not cross-origin isolated (its server sends no Cross-Origin-Opener-Policy / Cross-Origin-Embedder-Policy headers): training runs on ${threads} with ${ready.kernels} kernels${ready.why ? ` (${ready.why})` : ''}. See README "Playground" for the headers.`;
  $('notice').classList.toggle('warning', !ready.isolated);
  setStatus('ready');
}

void main();
