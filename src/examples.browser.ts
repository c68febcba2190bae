// examples.ts for a browser (the playground's build substitutes this file): the bundled inputs
// by the names the page serves them under (playground/vite.config.ts copies them).

export const EXAMPLE_AUDIO = 'examples/audio/second-inaugural.flac';

export const EXAMPLE_RECORDINGS = [EXAMPLE_AUDIO, 'examples/audio/bach-prelude.flac', 'examples/audio/rain-and-thunder.flac'];

export const EXAMPLE_MACKEY_GLASS = 'examples/series/mackey-glass-17.npy';
