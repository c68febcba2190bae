import { createRequire } from 'node:module';

/** audiopred's version, from package.json: printed by --version and recorded in every run and comparison. */
export const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
