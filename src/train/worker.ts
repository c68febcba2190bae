/**
 * A training thread (see pool.ts): builds its own model, cache and gradient
 * buffer in the shared wasm memory, then computes its rows of each batch
 * when the control block's generation moves.
 */
import { workerData, parentPort } from 'node:worker_threads';
import { createWasmBackend } from '../kernels/wasm.js';
import type { SequenceModel } from '../models/model.js';
import { builtinFactory, isModelName } from '../models/registry.js';
import { unitContext } from '../units/context.js';
import { importUnitFactory } from '../units/load.js';
import { COMMAND, CONTROL, controlSlots, partSlot, type WorkerSetup } from './pool.js';
import { runShard, type Shard } from './shard.js';

const setup = workerData as WorkerSetup;
const be = createWasmBackend({ memory: setup.memory, module: setup.module });
const { ints, lossesByteOffset } = controlSlots(setup.parts);
const ctrl = new Int32Array(setup.control, 0, ints);
const losses = new Float64Array(setup.control, lossesByteOffset, setup.parts);
const { spec, moduleUrl } = setup.unit;
const factory = moduleUrl ? await importUnitFactory(moduleUrl, spec) : isModelName(spec) ? builtinFactory(spec) : null;
if (!factory) throw new Error(`training thread: unknown unit ${spec}`);
// The main thread has checked this unit; here it only needs building the same way.
const model = factory(unitContext(setup.shape, be)) as SequenceModel;
const size = setup.maxRows * setup.T * setup.F;
const shard: Shard = {
  model,
  cache: model.createCache(setup.maxRows, setup.T),
  params: be.view(setup.params.offset, setup.params.size),
  grads: be.alloc(model.layout.size),
  x: be.view(setup.x.offset, setup.x.size),
  seg: be.view(setup.seg.offset, setup.seg.size),
  out: be.alloc(size),
  dout: be.alloc(size),
  T: setup.T,
  F: setup.F,
  horizon: setup.horizon,
  rowViews: new Map(),
};

// Read the generation before saying ready: the first job may start the moment we do.
let seen = Atomics.load(ctrl, CONTROL.generation);
Atomics.store(ctrl, partSlot(setup.part, 3), shard.grads.byteOffset);
parentPort!.postMessage('ready');
for (;;) {
  Atomics.wait(ctrl, CONTROL.generation, seen);
  seen = Atomics.load(ctrl, CONTROL.generation);
  const command = Atomics.load(ctrl, CONTROL.command);
  if (command === COMMAND.exit) break;
  const done = partSlot(setup.part, 2);
  try {
    const start = ctrl[partSlot(setup.part, 0)];
    const end = ctrl[partSlot(setup.part, 1)];
    losses[setup.part] = runShard(shard, start, end, ctrl[CONTROL.batch], command === COMMAND.grad);
    Atomics.store(ctrl, done, seen);
  } catch (err) {
    console.error(`audiopred: training thread ${setup.part} failed: ${(err as Error).stack ?? String(err)}`);
    Atomics.store(ctrl, done, -1);
    Atomics.notify(ctrl, done);
    break;
  }
  Atomics.notify(ctrl, done);
}
