// version.ts for a browser (the playground's build substitutes this file): the build writes
// package.json's version in (playground/vite.config.ts, `define`).

declare const __AUDIOPRED_VERSION__: string;

export const version: string = __AUDIOPRED_VERSION__;
