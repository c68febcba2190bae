import { createRnn } from '../../src/models/rnn.js';
import { modelTests } from './suite.js';

modelTests({
  label: 'RNN',
  fixture: 'rnn_tanh',
  create: (dims, be) => createRnn(dims, be),
  fixtureHidden: (p) => p['rnn.weight_hh_l0'].shape[1],
  paramScale: 2, // saturating units well into their curved range
  initBound: () => 1 / Math.sqrt(128),
});
