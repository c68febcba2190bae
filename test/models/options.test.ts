import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readOptions, routeOptions } from '../../src/models/options.js';

const SPECS = {
  leak: { default: 0.3, min: 0, max: 1, help: 'leak rate' },
  order: { default: 4, min: 1, integer: true, help: 'frames' },
  ridge: { default: 1e-4, above: 0, help: 'λ' },
};

test('readOptions fills defaults and parses the given values', () => {
  assert.deepEqual(readOptions('esn', {}, SPECS), { leak: 0.3, order: 4, ridge: 1e-4 });
  assert.deepEqual(readOptions('esn', { leak: '0.5', order: '8' }, SPECS), { leak: 0.5, order: 8, ridge: 1e-4 });
});

test('readOptions refuses unknown keys and out-of-range values, naming the unit', () => {
  assert.throws(() => readOptions('esn', { leek: '1' }, SPECS), /unit esn has no option 'leek'; its options: leak, order, ridge/);
  assert.throws(() => readOptions('esn', { leak: '2' }, SPECS), /unit esn: option leak must be a number ≥ 0 ≤ 1, got '2'/);
  assert.throws(() => readOptions('esn', { order: '2.5' }, SPECS), /option order must be an integer ≥ 1/);
  assert.throws(() => readOptions('esn', { ridge: '0' }, SPECS), /option ridge must be a number > 0/);
  assert.throws(() => readOptions('esn', { ridge: 'x' }, SPECS), /got 'x'/);
  assert.throws(() => readOptions('zero', { a: '1' }, {}), /it takes no options/);
});

test('routeOptions sends unit.key to that unit and plain keys only when one unit is trained', () => {
  const one = routeOptions({ leak: '0.1', 'esn.order': '3' }, ['esn']);
  assert.deepEqual(one.get('esn'), { leak: '0.1', order: '3' });
  const two = routeOptions({ 'esn.leak': '0.1', 'linear.order': '2' }, ['esn', 'linear']);
  assert.deepEqual(two.get('esn'), { leak: '0.1' });
  assert.deepEqual(two.get('linear'), { order: '2' });
  assert.throws(() => routeOptions({ leak: '0.1' }, ['esn', 'linear']), /say which one.*--opt esn\.leak=0\.1/);
  assert.throws(() => routeOptions({ 'gru.x': '1' }, ['esn']), /names unit 'gru', which is not being trained/);
});
