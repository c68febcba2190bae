import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAudioFile } from '../../src/audio/decode.js';
import { mfcc } from '../../src/audio/mfcc.js';
import { standardize, type Normalization } from '../../src/audio/standardize.js';
import { fixturePath, maxAbsDiff, readF32, readJson, type AudioFacts } from '../helpers/fixtures.js';

/** (rows, cols) C order → (cols, rows). */
function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c];
  return out;
}

for (const name of ['speech', 'chord-stereo']) {
  test(`per-frame standardisation of the torchaudio MFCCs of ${name} matches scikit-learn's to 1e-4`, () => {
    const facts = readJson<AudioFacts>(`${name}.json`);
    const [K, T] = facts.mfcc_shape;
    const features = standardize(transpose(readF32(`${name}.mfcc.f32`), K, T), T, K, 'frame');
    const err = maxAbsDiff(features, readF32(`${name}.features.f32`));
    assert.ok(err <= 1e-4, `${name}: max |features − sklearn| = ${err}`);
  });

  test(`features of ${name}.flac end to end (decode, MFCC, per-frame standardisation) match the reference to 1e-4`, async () => {
    const facts = readJson<AudioFacts>(`${name}.json`);
    const audio = await decodeAudioFile(fixturePath(`audio/${facts.audio}`));
    const m = mfcc(audio.channels, audio.sampleRate);
    const features = standardize(m.data, m.frames, m.coefficients, 'frame');
    assert.deepEqual([m.frames, m.coefficients], facts.features_shape);
    const err = maxAbsDiff(features, readF32(`${name}.features.f32`));
    assert.ok(err <= 1e-4, `${name}: max |features − reference| = ${err}`);
  });
}

test("'frame' gives each frame mean 0 and population std 1 across its coefficients", () => {
  // One frame 1..12: mean 6.5, population variance 143/12.
  const frame = Float32Array.from({ length: 12 }, (_, i) => i + 1);
  const out = standardize(frame, 1, 12, 'frame');
  for (let i = 0; i < 12; i++) assert.ok(Math.abs(out[i] - (i + 1 - 6.5) / Math.sqrt(143 / 12)) < 1e-6);
});

test("'coefficient' gives each coefficient mean 0 and population std 1 over time", () => {
  const T = 50;
  const F = 3;
  const x = Float32Array.from({ length: T * F }, (_, i) => Math.sin(i * 0.7) * (1 + (i % F)) + (i % F) * 10);
  const out = standardize(x, T, F, 'coefficient');
  for (let j = 0; j < F; j++) {
    let mean = 0;
    let sq = 0;
    for (let t = 0; t < T; t++) mean += out[t * F + j] / T;
    for (let t = 0; t < T; t++) sq += (out[t * F + j] - mean) ** 2 / T;
    assert.ok(Math.abs(mean) < 1e-6, `coefficient ${j}: mean ${mean}`);
    assert.ok(Math.abs(sq - 1) < 1e-5, `coefficient ${j}: variance ${sq}`);
  }
});

test("'none' returns an equal copy, not the input itself", () => {
  const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const out = standardize(x, 2, 3, 'none');
  assert.deepEqual(out, x);
  assert.notEqual(out, x);
});

test('a constant group keeps scale 1 as scikit-learn does: zero variance and variance at rounding level', () => {
  // 5.3 twelve times: the float64 mean is not exactly 5.3, so the variance is ~1e-31, not 0.
  // sklearn's _is_constant_feature calls that constant and divides by 1, giving values near 0.
  const frames = Float32Array.from([...new Array(12).fill(5.3), ...new Array(12).fill(0)]);
  const out = standardize(frames, 2, 12, 'frame');
  for (const v of out) assert.ok(Number.isFinite(v) && Math.abs(v) < 1e-6, `${v}`);
});

test('digital silence gives no NaN in any mode', () => {
  const m = mfcc([new Float32Array(8000), new Float32Array(8000)], 8000);
  for (const mode of ['frame', 'coefficient', 'none'] as Normalization[]) {
    const out = standardize(m.data, m.frames, m.coefficients, mode);
    assert.ok(out.every(Number.isFinite), `${mode}: non-finite output`);
  }
  // Every coefficient is constant over time, so 'coefficient' leaves all zeros.
  assert.ok(standardize(m.data, m.frames, m.coefficients, 'coefficient').every((v) => Math.abs(v) < 1e-6));
});

test('a length that does not match frames × coefficients is refused', () => {
  assert.throws(() => standardize(new Float32Array(10), 2, 12, 'frame'), RangeError);
});
