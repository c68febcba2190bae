/**
 * Output paths that cannot be written: each command says so in one line, exit code 2. Tests run
 * as root, which chmod does not stop, so the unwritable places are a path under a regular file
 * (ENOTDIR) and /proc, which takes no new files.
 */
import { after, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav16 } from '../../src/formats/wav.js';
import { assertCleanError, runCli } from '../helpers/cli.js';
import { testSignal } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-outputs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const audio = join(dir, 'tone.wav');
writeFileSync(audio, encodeWav16([testSignal(6, 16000)], 16000)); // 601 frames: 6 segments of 100
const file = join(dir, 'a-file');
writeFileSync(file, 'not a folder\n');
const quick = ['--segment', '100', '--hidden', '4', '--epochs', '1'];

test('features -o under a regular file, in /proc or onto a folder is a one-line error naming the path', () => {
  assertCleanError(runCli(['features', audio, '-o', join(file, 'x.npy')]), /cannot write .*a-file\/x\.npy: a file is in the way of its folder; choose another output path/);
  assertCleanError(runCli(['features', audio, '-o', '/proc/x.npy']), /cannot write \/proc\/x\.npy/);
  assertCleanError(runCli(['features', audio, '-o', dir]), /cannot write .*: it is a directory/);
});

test('train --out under a regular file or on it is a one-line error naming the folder', () => {
  assertCleanError(runCli(['train', audio, ...quick, '--out', join(file, 'run')]), /cannot create .*a-file\/run: a file is in the way/);
  assertCleanError(runCli(['train', audio, ...quick, '--out', file]), /cannot create .*a-file: a file is in the way/);
});

test('compare -o under a regular file is a one-line error naming the folder', () => {
  const r = runCli(['compare', audio, ...quick, '--seeds', '1', '--models', 'persistence', '-o', join(file, 'cmp')]);
  assertCleanError(r, /cannot create .*a-file\/cmp: a file is in the way/);
});

// Node 20's recursive mkdir never returns for a path under /proc (it takes ENOENT for a missing
// parent and retries forever); src/runs/folder.ts makes folders one level at a time instead.
test('train --out /proc/x is a one-line error, not a hang', () => {
  assertCleanError(runCli(['train', audio, ...quick, '--out', '/proc/x']), /cannot create \/proc\/x: folders cannot be made there/);
});

test('compare -o /proc/x is a one-line error, not a hang', () => {
  assertCleanError(runCli(['compare', audio, ...quick, '--seeds', '1', '--models', 'persistence', '-o', '/proc/x']), /cannot create \/proc\/x: folders cannot be made there/);
});
