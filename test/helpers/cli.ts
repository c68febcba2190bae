import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled CLI entry point, as `npx audiopred` runs it. */
export const BIN = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The signal that ended the child, if one did. */
  signal?: NodeJS.Signals;
}

/** Where CLI runs write their default run folders (runs/…): a temporary folder, not the repository. */
export const CLI_CWD = mkdtempSync(join(tmpdir(), 'audiopred-cwd-'));
process.once('exit', () => rmSync(CLI_CWD, { recursive: true, force: true }));

/** Runs `audiopred ARGS` in a child process (not a terminal: stdout is a pipe). */
export function runCli(args: string[], cwd = CLI_CWD, env: NodeJS.ProcessEnv = process.env): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd, env, timeout: 120_000 });
  return { code: r.status ?? (r.signal ? 128 : null), stdout: r.stdout, stderr: r.stderr, ...(r.signal ? { signal: r.signal } : {}) };
}

/** A clean failure: exit code `code` and exactly one line on stderr, no stack trace. */
export function assertCleanError(r: CliResult, pattern: RegExp, code = 2): void {
  assert.equal(r.code, code, `exit code ${r.code}, stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], /^audiopred: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}
