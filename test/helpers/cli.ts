import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled CLI entry point, as `npx audiopred` runs it. */
export const BIN = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `audiopred ARGS` in a child process (not a terminal: stdout is a pipe). */
export function runCli(args: string[], cwd?: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
