/**
 * A training thread (see pool.ts): builds its own model, cache and gradient
 * buffer in the shared wasm memory, then computes its rows of each batch
 * when the control block's generation moves. A unit that throws, while being
 * built or in a job, is reported to the caller as a WorkerFailure (see
 * pool.ts), never printed here.
 */
import { createWasmBackend } from '../kernels/wasm.js';
import type { SequenceModel } from '../models/model.js';
import { builtinFactory, isModelName } from '../models/registry.js';
import { importUnitFactory, unitContext } from '../models/unit.js';
import { thrown } from '../models/unit-errors.js';
import { postFailure } from './mailbox.js';
import { COMMAND, CONTROL, controlSlots, partSlot, type WorkerFailure } from './pool.js';
import { runShard, UnitCallError, type Shard } from './shard.js';
import { sayHello, threadSetup } from './threads.js';

const setup = await threadSetup();
const be = createWasmBackend({ memory: setup.memory, module: setup.module });
const { ints, lossesByteOffset } = controlSlots(setup.parts);
const ctrl = new Int32Array(setup.control, 0, ints);
const losses = new Float64Array(setup.control, lossesByteOffset, setup.parts);
const { spec, moduleUrl } = setup.unit;

/** This thread's part: its own copy of the unit, cache and buffers; or what failed while building it. */
async function buildShard(): Promise<Shard | WorkerFailure> {
  let method: 'factory' | 'createCache' = 'factory';
  try {
    const factory = moduleUrl ? await importUnitFactory(moduleUrl, spec) : isModelName(spec) ? builtinFactory(spec) : null;
    if (!factory) throw new Error(`training thread: unknown unit ${spec}`);
    // The main thread has checked this unit; here it only needs building the same way.
    const model = factory(unitContext(setup.shape, be)) as SequenceModel;
    method = 'createCache';
    const cache = model.createCache(setup.maxRows, setup.T);
    const size = setup.maxRows * setup.T * setup.F;
    return {
      model,
      cache,
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
  } catch (err) {
    return { method, start: 0, end: 0, thrown: thrown(err) };
  }
}

const built = await buildShard();
if ('thrown' in built) {
  sayHello({ failed: built });
} else {
  serve(built);
}

/** Computes this thread's rows of each job until told to exit; a failed part is reported and the thread waits for the next job. */
function serve(shard: Shard): void {
  // Read the generation before saying ready: the first job may start the moment we do.
  let seen = Atomics.load(ctrl, CONTROL.generation);
  Atomics.store(ctrl, partSlot(setup.part, 3), shard.grads.byteOffset);
  sayHello('ready');
  const done = partSlot(setup.part, 2);
  for (;;) {
    Atomics.wait(ctrl, CONTROL.generation, seen);
    seen = Atomics.load(ctrl, CONTROL.generation);
    const command = Atomics.load(ctrl, CONTROL.command);
    if (command === COMMAND.exit) break;
    const start = ctrl[partSlot(setup.part, 0)];
    const end = ctrl[partSlot(setup.part, 1)];
    try {
      losses[setup.part] = runShard(shard, start, end, ctrl[CONTROL.batch], command === COMMAND.grad);
      Atomics.store(ctrl, done, seen);
    } catch (err) {
      const failure: WorkerFailure =
        err instanceof UnitCallError ? { method: err.method, start: err.start, end: err.end, thrown: err.thrown } : { method: null, start, end, thrown: thrown(err) };
      postFailure(setup.mailbox, setup.part, failure); // written before the caller can see the mark below
      Atomics.store(ctrl, done, -seen);
    }
    Atomics.notify(ctrl, done);
  }
}
