/**
 * The bytes of a run's checkpoint, with no file system: checkpoint.ts writes them into the run
 * folder, the playground into the zip it downloads.
 */
import { configToJson, type TrainConfig } from '../config/settings.js';
import { encodeSafetensors, type Tensor } from '../formats/safetensors.js';
import { version } from '../version.js';
import type { ParamLayout } from '../models/params.js';
import type { TrainingState } from '../train/state.js';

export const MODEL_FILE = 'model.safetensors';
export const STATE_FILE = 'training-state.safetensors';

export const PARAM_PREFIX = 'params.';
export const ARRAY_PREFIX = 'state.';

function paramTensors(layout: ParamLayout, params: Float32Array, prefix = ''): Record<string, Tensor> {
  const tensors: Record<string, Tensor> = {};
  for (const e of layout.entries) tensors[prefix + e.name] = { shape: e.shape, data: params.subarray(e.offset, e.offset + e.size) };
  return tensors;
}

/** What a run's checkpoints carry in their metadata besides the epoch: who wrote them, the unit, the settings. */
export function checkpointMetadata(unitLabel: string, config: TrainConfig): Record<string, string> {
  return { audiopred: version, unit: unitLabel, config: JSON.stringify(configToJson(config)) };
}

/** The bytes of a checkpoint's files: model.safetensors, and training-state.safetensors when the unit can resume. */
export function checkpointFiles(layout: ParamLayout, state: TrainingState, metadata: Record<string, string>): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const meta = { ...metadata, epoch: String(state.epoch) };
  const stateTensors: Record<string, Tensor> = {
    ...paramTensors(layout, state.params, PARAM_PREFIX),
    shuffle: { shape: [4], data: Uint32Array.from(state.shuffle) },
  };
  for (const [name, data] of Object.entries(state.arrays)) stateTensors[ARRAY_PREFIX + name] = { shape: [data.length], data };
  const stateMeta = { ...meta, ...(state.optimizerStep !== undefined ? { optimizer_step: String(state.optimizerStep) } : {}) };
  if (state.resumable) files[STATE_FILE] = encodeSafetensors(stateTensors, stateMeta);
  files[MODEL_FILE] = encodeSafetensors(paramTensors(layout, state.params), { format: 'pt', ...meta });
  return files;
}
