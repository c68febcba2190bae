/**
 * Checkpoints of a run folder, both safetensors:
 *
 *   model.safetensors           the parameters under their PyTorch state_dict
 *                               names and shapes, float32, with the config in
 *                               the metadata: `load_state_dict` takes it as is.
 *   training-state.safetensors  a complete copy of what resuming needs
 *                               (parameters, optimiser moments or the unit's
 *                               saved state, batch-order stream, epoch), in one
 *                               file so it can never be half old, half new.
 *
 * Each is written to a temporary file and renamed into place.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { decodeSafetensors } from '../formats/safetensors.js';
import { ARRAY_PREFIX, checkpointFiles, MODEL_FILE, PARAM_PREFIX, STATE_FILE } from './checkpoint-files.js';
import type { ParamLayout } from '../models/params.js';
import type { RngState } from '../data/rng.js';
import type { TrainingState } from '../train/state.js';

export { MODEL_FILE, STATE_FILE } from './checkpoint-files.js';

/** Writes both checkpoint files of `state` into run folder `dir`. */
export async function saveCheckpoint(
  dir: string,
  layout: ParamLayout,
  state: TrainingState,
  metadata: Record<string, string>,
): Promise<void> {
  const files = checkpointFiles(layout, state, metadata);
  // The training state first: a crash between the two leaves a model file no newer than the state.
  for (const name of [STATE_FILE, MODEL_FILE]) if (files[name]) await writeFileAtomic(join(dir, name), files[name]);
}

/** The training state saved in run folder `dir`, checked against the unit's `layout`. */
export async function loadTrainingState(dir: string, layout: ParamLayout): Promise<TrainingState & { metadata: Record<string, string> }> {
  const path = join(dir, STATE_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch {
    throw new UsageError(
      `${path}: no training state to resume from (no checkpoint saved yet, or a unit without saveState()); start the run again without --resume`,
    );
  }
  let file;
  try {
    file = decodeSafetensors(bytes);
  } catch (err) {
    throw new UsageError(`${path}: ${(err as Error).message}`);
  }
  const params = new Float32Array(layout.size);
  for (const e of layout.entries) {
    const t = file.tensors[PARAM_PREFIX + e.name];
    if (!t || !(t.data instanceof Float32Array) || t.data.length !== e.size) {
      throw new UsageError(`${path}: parameter ${e.name} is missing or has the wrong size for this unit`);
    }
    params.set(t.data, e.offset);
  }
  const shuffle = file.tensors.shuffle?.data;
  const epoch = Number(file.metadata.epoch);
  if (!(shuffle instanceof Uint32Array) || shuffle.length !== 4 || !Number.isInteger(epoch)) {
    throw new UsageError(`${path}: the batch-order state or epoch is missing; the file is not an audiopred training state`);
  }
  const arrays: TrainingState['arrays'] = {};
  for (const [name, t] of Object.entries(file.tensors)) {
    if (!name.startsWith(ARRAY_PREFIX)) continue;
    if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) throw new UsageError(`${path}: ${name} is not floating point`);
    arrays[name.slice(ARRAY_PREFIX.length)] = t.data;
  }
  const step = file.metadata.optimizer_step;
  return {
    resumable: true,
    epoch,
    params,
    shuffle: [...shuffle] as RngState,
    arrays,
    ...(step !== undefined ? { optimizerStep: Number(step) } : {}),
    metadata: file.metadata,
  };
}
