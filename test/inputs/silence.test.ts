/**
 * Digital silence (all-zero samples), short and long enough for segments: no NaN anywhere.
 *
 * torchaudio's log-mel of zeros: the power is 0, clamped to amin = 1e-10, so every band is
 * 10·log10(1e-10) = −100 dB; the top_db clamp (max − 80 = −180 dB) changes nothing; the
 * orthonormal DCT of 40 equal values v is [v·√40, 0, …, 0]: c0 = −100·√40 = −632.4555. torchaudio
 * 0.13.1 gives −632.45581 (float32) and c1…c11 of float32 noise up to 2e-4; we give −632.45551 and
 * zeros to 1e-13. Silence beside sound is raised to the loudest value − 80 dB instead.
 *
 * Standardisation of a silent stretch: per frame (the original's scikit-learn call), a silent
 * frame [c0, 0, …, 0] is not constant: it becomes [−√11, 1/√11, …, 1/√11] (scikit-learn 1.2 gives
 * −3.31662, 0.30151 on torchaudio's MFCC). Per coefficient, each coefficient of an all-silent
 * recording is constant over time: variance 0, scale 1 as StandardScaler's `scale_` is where the
 * variance is 0, so all zeros.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFeatures } from '../../src/audio/features.js';
import { mfcc, plainMfcc } from '../../src/audio/mfcc.js';
import { NORMALIZATIONS, standardize } from '../../src/audio/standardize.js';
import { decodeNpy } from '../../src/formats/npy.js';
import { encodeWav16 } from '../../src/formats/wav.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-silence-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SILENCE_C0 = -100 * Math.sqrt(40); // −632.4555…

function silentWav(name: string, seconds: number, channels: number, rate = 16000): string {
  const path = join(dir, name);
  writeFileSync(path, encodeWav16(Array.from({ length: channels }, () => new Float32Array(seconds * rate)), rate));
  return path;
}

test('the MFCC of digital silence is torchaudio\'s: c0 = −100·√40 dB, the rest 0, on both implementations', () => {
  for (const implementation of [mfcc, plainMfcc]) {
    for (const C of [1, 2]) {
      const m = implementation(Array.from({ length: C }, () => new Float32Array(48000)), 16000);
      assert.equal(m.frames, 301);
      for (let t = 0; t < m.frames; t++) {
        // torchaudio 0.13.1: −632.455810546875 (float32 DCT rounding), c1…c11 within 2e-4 of 0.
        assert.ok(Math.abs(m.data[t * 12] - -632.455810546875) < 2e-3, `${implementation.name} C=${C} frame ${t}: ${m.data[t * 12]}`);
        assert.ok(Math.abs(m.data[t * 12] - SILENCE_C0) < 1e-4);
        for (let k = 1; k < 12; k++) assert.ok(Math.abs(m.data[t * 12 + k]) < 1e-3, `${implementation.name} frame ${t} c${k}`);
      }
    }
  }
});

test('silence before a tone sits at the loudest value − 80 dB, as torchaudio\'s top_db clamp puts it', () => {
  // 1 s of zeros, then 1 s of 0.5·sin(2π·440·n/16000) at 16 kHz. torchaudio 0.13.1:
  //   MFCC(16000, 12, {n_mels: 40, n_fft: 400, hop_length: 160})(x)[0][:, 50] and [:, 150]
  const silent = [-287.27862548828125, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const tone = [
    -251.97268676757812, 41.46010208129883, 19.045560836791992, -9.4269437789917, -34.0622444152832, -46.532474517822266,
    -43.01002883911133, -25.38435173034668, -0.3624644875526428, 23.141550064086914, 37.292213439941406, 38.04570770263672,
  ];
  const x = new Float32Array(32000);
  for (let n = 0; n < 16000; n++) x[16000 + n] = 0.5 * Math.sin((2 * Math.PI * 440 * n) / 16000);
  for (const implementation of [mfcc, plainMfcc]) {
    const m = implementation([x], 16000);
    assert.equal(m.frames, 201);
    for (const [t, expected] of [[50, silent], [150, tone]] as const) {
      let worst = 0;
      for (let k = 0; k < 12; k++) worst = Math.max(worst, Math.abs(m.data[t * 12 + k] - expected[k]));
      assert.ok(worst < 2e-3, `${implementation.name} frame ${t}: max |MFCC − torchaudio| = ${worst}`);
    }
  }
});

test('standardising silence gives no NaN in any mode: frames as scikit-learn, constant coefficients scaled by 1', () => {
  const m = mfcc([new Float32Array(48000)], 16000);
  const byMode = Object.fromEntries(NORMALIZATIONS.map((mode) => [mode, standardize(m.data, m.frames, m.coefficients, mode)]));
  for (const mode of NORMALIZATIONS) assert.ok(byMode[mode].every(Number.isFinite), mode);
  for (let t = 0; t < m.frames; t++) {
    // scikit-learn 1.2 on torchaudio's silent MFCC: [−3.3166249, 0.30151144, …].
    assert.ok(Math.abs(byMode.frame[t * 12] - -Math.sqrt(11)) < 1e-5);
    for (let k = 1; k < 12; k++) assert.ok(Math.abs(byMode.frame[t * 12 + k] - 1 / Math.sqrt(11)) < 1e-5);
  }
  assert.ok(byMode.coefficient.every((v) => v === 0), 'every coefficient is constant: (x − mean) / 1 = 0');
  assert.deepEqual(byMode.none, m.data);
});

test('a few seconds of silence: features in every normalisation are finite', async () => {
  const path = silentWav('three-seconds.wav', 3, 2);
  for (const mode of NORMALIZATIONS) {
    const f = await loadFeatures(path, mode);
    assert.equal(f.frames, 301);
    assert.ok(f.data.every(Number.isFinite), mode);
  }
});

test('silence long enough for segments trains in every normalisation with finite losses; persistence is exact', () => {
  const path = silentWav('twelve-seconds.wav', 12, 1); // 1201 frames: 12 segments of 100
  for (const normalize of NORMALIZATIONS) {
    for (const model of ['rnn', 'persistence']) {
      const r = runCli(['train', path, '--segment', '100', '--hidden', '8', '--epochs', '2', '--json', '--normalize', normalize, '--model', model]);
      assert.equal(r.code, 0, `${normalize} ${model}: ${r.stderr}`);
      const done = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
      assert.ok(Number.isFinite(done.final_train_loss) && Number.isFinite(done.final_val_loss), `${normalize} ${model}: ${r.stdout}`);
      // Every frame of silence is the same, so "the next frame equals this one" is exact.
      if (model === 'persistence') assert.equal(done.final_val_loss, 0, normalize);
    }
  }
  const out = join(dir, 'silence.npy');
  assert.equal(runCli(['features', path, '-o', out]).code, 0);
  assert.ok(decodeNpy(new Uint8Array(readFileSync(out))).data.every(Number.isFinite));
});
