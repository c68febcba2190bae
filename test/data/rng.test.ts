import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128, permutation } from '../../src/data/rng.js';

test('xoshiro128** matches the reference C implementation from state [1, 2, 3, 4]', () => {
  // First six outputs of Vigna's xoshiro128starstar.c seeded with s = {1, 2, 3, 4}.
  const rng = new Xoshiro128([1, 2, 3, 4]);
  const got = Array.from({ length: 6 }, () => rng.nextUint32());
  assert.deepEqual(got, [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
});

test('the same seed and stream give the same numbers, other streams and seeds do not', () => {
  const draw = (seed: number, stream: string) => {
    const r = Xoshiro128.fromSeed(seed, stream);
    return Array.from({ length: 8 }, () => r.nextUint32());
  };
  assert.deepEqual(draw(12345, 'init'), draw(12345, 'init'));
  assert.notDeepEqual(draw(12345, 'init'), draw(12345, 'split'));
  assert.notDeepEqual(draw(1, 'init'), draw(2, 'init'));
  assert.notDeepEqual(draw(1, 'init'), draw(1 + 2 ** 32, 'init'));
});

test('a saved state continues the stream exactly', () => {
  const a = Xoshiro128.fromSeed(7, 'shuffle');
  for (let i = 0; i < 10; i++) a.nextUint32();
  const b = new Xoshiro128(a.getState());
  for (let i = 0; i < 10; i++) assert.equal(a.nextUint32(), b.nextUint32());
});

test('nextFloat is in [0, 1) with mean near 1/2 and nextInt covers its range evenly', () => {
  const rng = Xoshiro128.fromSeed(3, 'test');
  let sum = 0;
  const n = 100000;
  const counts = new Array(7).fill(0);
  for (let i = 0; i < n; i++) {
    const u = rng.nextFloat();
    assert.ok(u >= 0 && u < 1);
    sum += u;
    counts[rng.nextInt(7)]++;
  }
  assert.ok(Math.abs(sum / n - 0.5) < 0.005, `mean ${sum / n}`);
  for (const c of counts) assert.ok(Math.abs(c / n - 1 / 7) < 0.005, `bucket share ${c / n}`);
});

test('normal draws have mean 0 and variance 1', () => {
  const rng = Xoshiro128.fromSeed(4, 'test');
  let s = 0;
  let s2 = 0;
  const n = 100000;
  for (let i = 0; i < n; i++) {
    const z = rng.normal();
    s += z;
    s2 += z * z;
  }
  assert.ok(Math.abs(s / n) < 0.02, `mean ${s / n}`);
  assert.ok(Math.abs(s2 / n - 1) < 0.02, `variance ${s2 / n}`);
});

test('permutation holds every index once', () => {
  const p = permutation(33, Xoshiro128.fromSeed(1, 'split'));
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 33 }, (_, i) => i));
  assert.notDeepEqual([...p], Array.from({ length: 33 }, (_, i) => i));
});
