/**
 * Optional: a Python user loads model.safetensors into the original PyTorch
 * model and gets the validation loss audiopred reported. Runs only where
 * python3 has torch, torchaudio and scikit-learn (not needed by CI).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeWav16 } from '../../src/formats/wav.js';
import { runCli } from '../helpers/cli.js';
import { testSignal } from '../helpers/wav.js';

const SCRIPT = fileURLToPath(new URL('../../../scripts/python/load_checkpoint.py', import.meta.url));
/** The first Python with the packages: PATH's python3, or Debian's (a pyenv python3 may shadow it). */
const python = ['python3', '/usr/bin/python3'].find(
  (exe) => spawnSync(exe, ['-c', 'import torch, torchaudio, sklearn'], { stdio: 'ignore' }).status === 0,
);

test('model.safetensors loads into the original PyTorch model with the same validation loss', { skip: python ? false : 'python3 with torch, torchaudio and scikit-learn is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'audiopred-python-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const audio = join(dir, 'tone.wav');
  writeFileSync(audio, encodeWav16([testSignal(12, 16000)], 16000));
  const run = join(dir, 'run');
  const r = runCli(['train', audio, '--segment', '100', '--hidden', '16', '--epochs', '5', '--out', run]);
  assert.equal(r.code, 0, r.stderr);
  const py = spawnSync(python!, [SCRIPT, run], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(py.status, 0, py.stderr);
  const { val_loss_pytorch: torchLoss, val_loss_audiopred: ours } = JSON.parse(py.stdout.trim());
  // Features differ by float rounding only (MFCC parity ~1e-3 absolute before standardisation).
  assert.ok(Math.abs(torchLoss - ours) <= 1e-4 * ours, `PyTorch ${torchLoss} vs audiopred ${ours}`);
});
