/**
 * The figures' specs as data: the segment figures' time axis (frames, or
 * seconds when runs' frames differ in length) and the final-loss figure's
 * CI bars (none without an interval).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareFinalSpec, errorSpec, heatmapSpec, segmentTime, type HeatmapPanel } from '../../src/report/specs.js';

test('segmentTime counts frames when all frames are one length, else gives seconds at each run\'s own length', () => {
  const same = segmentTime([10, 10]);
  assert.equal(same.inFrames, true);
  assert.equal(same.title, 'time in the segment (frames of 10.0 ms)');
  assert.equal(same.at(250, 10), 250);
  assert.equal(segmentTime([160 / 44.1]).title, 'time in the segment (frames of 3.63 ms)');
  const mixed = segmentTime([10, 20]);
  assert.equal(mixed.inFrames, false);
  assert.equal(mixed.at(100, 10), 1);
  assert.equal(mixed.at(100, 20), 2);
});

test('heatmap panels and error curves of runs at different rates are placed by their own frame length', () => {
  const panel = (label: string, frameMs: number): HeatmapPanel => ({ label, frames: 98, features: 2, firstFrame: 2, frameMs, values: new Float32Array(196) });
  const spec = heatmapSpec([panel('a', 10), panel('b', 20)], { valueTitle: 'v', subtitle: '' }) as unknown as {
    data: { values: { panel: string; url?: string; t0: number; t1?: number }[] };
    spec: { encoding: { x: { title: string; scale: { domain: number[] } } } };
  };
  const images = spec.data.values.filter((v) => v.url);
  assert.deepEqual(images.map((v) => [v.panel, v.t0, v.t1]), [['a (frames of 10.0 ms)', 0.02, 1], ['b (frames of 20.0 ms)', 0.04, 2]]);
  assert.deepEqual(spec.spec.encoding.x.scale.domain, [0.02, 2]);

  const points = [0, 1].flatMap((run) => Array.from({ length: 98 }, (_, i) => ({ run: ['a', 'b'][run], t: 2 + i, error: i === 0 ? 0 : 1 })));
  const error = errorSpec(points, ['a', 'b'], { frameMs: [10, 20], log: true, subtitle: '' }) as unknown as {
    data: { values: { run: string; t: number }[] };
    encoding: { x: { scale: { domain: number[] } } };
  };
  assert.deepEqual(error.encoding.x.scale.domain, [0.02, 2]);
  assert.equal(error.data.values.length, 2 * 97); // zero errors left out on the log scale
  assert.ok(error.data.values.every((p) => (p.run === 'a' ? p.t <= 1 : p.t <= 2)));
});

test('the final-loss figure draws a CI bar only where there is an interval', () => {
  const spec = compareFinalSpec(
    [{ recording: 'r', unit: 'a', mean: 0.2, low: null, high: null, seeds: 1 }, { recording: 'r', unit: 'b', mean: 0.3, low: 0.25, high: 0.35, seeds: 3 }],
    ['a', 'b'],
    ['r'],
    false,
  ) as unknown as { layer: { mark: { type: string }; transform?: { filter: string }[] }[] };
  const rule = spec.layer.find((l) => l.mark.type === 'rule')!;
  assert.deepEqual(rule.transform, [{ filter: 'isValid(datum.low) && isValid(datum.high)' }]);
});
