// Which kernels actually run here. On CI (CI=true) they must be the wasm SIMD ones, for training
// and for the MFCC: a CI machine that fell back to the TypeScript reference would pass every
// other test while the fast paths went untested. Elsewhere the same tests run and check that the
// backend in use is the one the probe says can run (no skip: a fallback is reported, not hidden).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { mfccBackend } from '../../src/audio/mfcc.js';
import { featureKernelSupport } from '../../src/audio/wasm.js';
import { getBackend, wasmSupport } from '../../src/kernels/index.js';

const onCi = process.env.CI === 'true';

test('training uses the wasm SIMD kernels on CI, and elsewhere the backend the probe allows', (t) => {
  const support = wasmSupport();
  t.diagnostic(`CI=${process.env.CI ?? ''}; training backend ${getBackend().name}${support.ok ? '' : ` (${support.reason})`}`);
  if (onCi) assert.ok(support.ok, `CI=true but the wasm SIMD kernels cannot run: ${support.ok ? '' : support.reason}`);
  assert.equal(getBackend().name, support.ok ? 'wasm-simd' : 'plain');
  if (support.ok) assert.ok(getBackend().alloc(4).buffer instanceof SharedArrayBuffer, 'the wasm backend allocates in shared wasm memory');
});

test('the MFCC runs on its wasm kernels on CI, and elsewhere on the path the probe allows', (t) => {
  const support = featureKernelSupport();
  const used = mfccBackend();
  t.diagnostic(`CI=${process.env.CI ?? ''}; MFCC backend ${used.backend}${used.reason ? ` (${used.reason})` : ''}`);
  if (onCi) assert.ok(support.ok, `CI=true but the MFCC wasm kernels cannot run: ${support.ok ? '' : support.reason}`);
  assert.equal(used.backend, support.ok ? 'wasm' : 'plain', used.reason);
});
