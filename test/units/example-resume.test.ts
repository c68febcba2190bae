/**
 * The worked example unit (examples/units/delta-rule.ts) resumes exactly, as docs/units.md
 * promises of any unit with saveState/loadState: 2 epochs, then --resume to 4, ends with the
 * parameters and losses of 4 epochs in one go.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSafetensors } from '../../src/formats/safetensors.js';
import { encodeWav16 } from '../../src/formats/wav.js';
import { runCli } from '../helpers/cli.js';
import { testSignal } from '../helpers/wav.js';

const EXAMPLE_UNIT = fileURLToPath(new URL('../../../examples/units/delta-rule.ts', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'audiopred-example-resume-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const RATE = 16000;
const audio = join(dir, 'tone.wav');
writeFileSync(audio, encodeWav16([testSignal(12, RATE)], RATE));

/** The parameter values of a run's model.safetensors, by tensor name. */
function params(run: string): Record<string, number[]> {
  const { tensors } = decodeSafetensors(readFileSync(join(run, 'model.safetensors')));
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, [...t.data]]));
}

/** [epoch, val_loss] of each line of a run's metrics.jsonl. */
function valLosses(run: string): [number, number][] {
  const lines = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n');
  return lines.map((l) => JSON.parse(l) as { epoch: number; val_loss: number }).map((m) => [m.epoch, m.val_loss]);
}

test('the delta-rule example resumed after 2 of 4 epochs ends bit for bit as 4 epochs in one go', () => {
  const whole = join(dir, 'whole');
  const split = join(dir, 'split');
  const flags = ['train', audio, '--model', EXAMPLE_UNIT, '--segment', '100'];
  const w = runCli([...flags, '--epochs', '4', '--out', whole]);
  assert.equal(w.code, 0, w.stderr);
  const s = runCli([...flags, '--epochs', '2', '--out', split]);
  assert.equal(s.code, 0, s.stderr);
  assert.ok(existsSync(join(split, 'training-state.safetensors')), 'a resumable checkpoint after 2 epochs');
  const resumed = runCli(['train', '--resume', split, '--epochs', '4']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /Resuming .* at epoch 2 of 4/);
  const p = params(split);
  assert.ok(p['weight'].some((v) => v !== 0), 'the unit learnt something');
  assert.deepEqual(p, params(whole));
  assert.deepEqual(valLosses(split), valLosses(whole));
});
