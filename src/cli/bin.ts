#!/usr/bin/env node
import { main } from './main.js';

// `audiopred train | head -3`: the reader has gone, so there is no one left to print for.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
process.exitCode = await main(process.argv.slice(2));
