// The inputs bundled with audiopred (examples/): what train, compare and the tasks read when
// given none. A browser build uses examples.browser.ts instead.

import { fileURLToPath } from 'node:url';

/** The recording `audiopred train` uses when given none (see examples/audio/README.md). */
export const EXAMPLE_AUDIO = fileURLToPath(new URL('../../examples/audio/second-inaugural.flac', import.meta.url));

/** The bundled recordings `audiopred compare` uses when given none: speech, music, a soundscape. */
export const EXAMPLE_RECORDINGS = [
  EXAMPLE_AUDIO,
  fileURLToPath(new URL('../../examples/audio/bach-prelude.flac', import.meta.url)),
  fileURLToPath(new URL('../../examples/audio/rain-and-thunder.flac', import.meta.url)),
];

/** The bundled series: mackeyGlassSeries(MACKEY_GLASS_FILE_POINTS) as float32 (scripts/make-mackey-glass.ts; test/tasks/mackey-glass-task.test.ts checks it). */
export const EXAMPLE_MACKEY_GLASS = fileURLToPath(new URL('../../examples/series/mackey-glass-17.npy', import.meta.url));
