/**
 * Writes examples/series/mackey-glass-17.npy, the series the mackey-glass task reads by default:
 * mackeyGlassSeries (src/tasks/mackey-glass.ts) long enough for NeuroBench's 30 repeats and our
 * validation windows, as float32 (what units train on). `node dist/scripts/make-mackey-glass.js`
 */
import { writeFileSync } from 'node:fs';
import { encodeNpy } from '../src/formats/npy.js';
import { mackeyGlassSeries } from '../src/tasks/mackey-glass.js';
import { EXAMPLE_MACKEY_GLASS, MACKEY_GLASS_FILE_POINTS } from '../src/tasks/mackey-glass-data.js';

const series = Float32Array.from(mackeyGlassSeries(MACKEY_GLASS_FILE_POINTS));
writeFileSync(EXAMPLE_MACKEY_GLASS, encodeNpy(series, [series.length]));
console.log(`Wrote ${EXAMPLE_MACKEY_GLASS}: ${series.length} points`);
