import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSafetensors, encodeSafetensors } from '../../src/formats/safetensors.js';

test('a safetensors file has the documented layout: u64 header length, JSON header, aligned little-endian data', () => {
  const bytes = encodeSafetensors({ 'fc.bias': { shape: [2], data: Float32Array.of(1.5, -2) } }, { model: 'rnn' });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0, 'data starts 8-byte aligned');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assert.deepEqual(header, {
    __metadata__: { model: 'rnn' },
    'fc.bias': { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
  });
  assert.deepEqual([...new Float32Array(bytes.buffer.slice(8 + n))], [1.5, -2]);
});

test('tensors and metadata round-trip exactly, for every dtype', () => {
  const tensors = {
    w: { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, Math.PI]) },
    m: { shape: [1], data: Float64Array.of(Math.E) },
    s: { shape: [4], data: Uint32Array.of(0, 1, 0xffffffff, 7) },
    i: { shape: [], data: Int32Array.of(-3) },
  };
  // As read from disk: a Node Buffer, whose slice() is a view into a shared pool.
  const back = decodeSafetensors(Buffer.concat([Buffer.from('pool'), Buffer.from(encodeSafetensors(tensors, { a: 'b' }))]).subarray(4));
  assert.deepEqual(back.metadata, { a: 'b' });
  for (const [name, t] of Object.entries(tensors)) {
    assert.deepEqual(back.tensors[name].shape, t.shape, name);
    assert.deepEqual([...back.tensors[name].data], [...t.data], name);
    assert.equal(back.tensors[name].data.constructor, t.data.constructor, name);
  }
});

test('a truncated or garbled file is a clear error', () => {
  const bytes = encodeSafetensors({ w: { shape: [4], data: new Float32Array(4) } });
  assert.throws(() => decodeSafetensors(bytes.subarray(0, bytes.length - 1)), /tensor w: .*truncated/);
  assert.throws(() => decodeSafetensors(bytes.subarray(0, 5)), /shorter than/);
  assert.throws(() => decodeSafetensors(new Uint8Array(64).fill(0x41)), /not a safetensors file/);
  assert.throws(() => encodeSafetensors({ w: { shape: [3], data: new Float32Array(4) } }), /needs 3 values, has 4/);
});
