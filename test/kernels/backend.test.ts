import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  chooseBackend, createWasmBackend, getBackend, probeWasm, wasmSupport,
} from '../../src/kernels/index.js';
import type { WasmApi } from '../../src/kernels/webassembly.js';
import { skipWasm } from './support.js';

describe('choosing a backend', () => {
  test('Node 20 passes the SIMD and shared-memory probe', () => {
    assert.deepEqual(wasmSupport(), { ok: true });
  });

  test('an engine without SIMD is reported as such, without throwing', () => {
    const noSimd = { ...(globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly, validate: () => false };
    assert.deepEqual(probeWasm(noSimd), { ok: false, reason: 'WebAssembly SIMD is not supported' });
    assert.deepEqual(probeWasm(undefined), { ok: false, reason: 'no WebAssembly' });
  });

  test('an engine without shared memory is reported as such, without throwing', () => {
    const real = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const noShared: WasmApi = {
      ...real,
      validate: (b) => real.validate(b),
      Memory: class {
        constructor() { throw new TypeError('shared memory disabled'); }
      } as unknown as WasmApi['Memory'],
    };
    const s = probeWasm(noShared);
    assert.equal(s.ok, false);
    assert.match((s as { reason: string }).reason, /shared WebAssembly memory is not supported/);
  });

  test('the choice falls back to plain when wasm cannot run, and plain can always be forced', () => {
    const no = { ok: false as const, reason: 'test' };
    assert.equal(chooseBackend(undefined, no), 'plain');
    assert.equal(chooseBackend('wasm', no), 'plain');
    assert.equal(chooseBackend('plain', { ok: true }), 'plain');
    assert.equal(chooseBackend(undefined, { ok: true }), 'wasm');
    assert.equal(chooseBackend('wasm', { ok: true }), 'wasm');
  });

  test('getBackend returns one backend per choice, wasm by default here', { skip: skipWasm }, () => {
    assert.equal(getBackend().name, 'wasm-simd');
    assert.equal(getBackend('wasm'), getBackend());
    assert.equal(getBackend('plain').name, 'plain');
    assert.equal(getBackend('plain'), getBackend('plain'));
    assert.throws(() => getBackend('gpu' as 'plain'), TypeError);
  });

  test('the forced plain backend runs a whole RNN forward and backward', () => {
    const be = getBackend('plain');
    const [B, T, H] = [2, 3, 5];
    const pre = be.alloc(B * T * H).fill(0.1), Whh = be.alloc(H * H).fill(0.05), h = be.alloc(B * T * H);
    be.rnnTanhForward(h, pre, Whh, B, T, H);
    const dpre = be.alloc(B * T * H);
    be.rnnTanhBackward(dpre, be.alloc(B * T * H).fill(1), h, Whh, B, T, H);
    assert.ok(h.every((v) => v > 0 && v < 1));
    assert.ok(dpre.every((v) => v > 0));
  });
});

describe('wasm memory', () => {
  test('alloc returns zeroed, 64-byte aligned views in one shared memory', { skip: skipWasm }, () => {
    const w = createWasmBackend();
    const views = [1, 3, 17, 1000].map((n) => w.alloc(n));
    for (const v of views) {
      assert.equal(v.byteOffset % 64, 0);
      assert.ok(v.every((x) => x === 0));
      assert.ok(v.buffer instanceof SharedArrayBuffer);
    }
    for (let i = 1; i < views.length; i++) {
      assert.ok(views[i].byteOffset >= views[i - 1].byteOffset + views[i - 1].byteLength, 'no overlap');
    }
  });

  test('growing the memory keeps earlier views valid and aliased to the same bytes', { skip: skipWasm }, () => {
    const w = createWasmBackend();
    const early = w.alloc(16);
    early.fill(3);
    const big = w.alloc(4 << 20); // 16 MiB: forces several grows
    assert.equal(early.length, 16, 'not detached');
    assert.ok(early.every((x) => x === 3));
    const again = new Float32Array(w.memory.buffer, early.byteOffset, 16);
    again[0] = 5;
    assert.equal(early[0], 5, 'same bytes');
    big[big.length - 1] = 1;
    w.matmulAB(early.subarray(0, 1), early.subarray(1, 2), big.subarray(big.length - 1), 1, 1, 1, false);
    assert.equal(early[0], 3, 'kernels work on views made before and after growing');
  });

  test('two backends on one memory allocate disjoint buffers', { skip: skipWasm }, () => {
    const a = createWasmBackend();
    const b = createWasmBackend({ memory: a.memory, module: a.module });
    const x = a.alloc(100), y = b.alloc(100);
    assert.ok(y.byteOffset >= x.byteOffset + x.byteLength || x.byteOffset >= y.byteOffset + y.byteLength);
    x.fill(1);
    assert.ok(y.every((v) => v === 0));
    b.addBias(x.subarray(0, 4), y.subarray(0, 4).fill(2), 1, 4);
    assert.deepEqual([...x.subarray(0, 5)], [3, 3, 3, 3, 1]);
  });
});
