/**
 * How a worker finds a queued run's files: at the study's path, then relative to its working
 * folder, then by name in its --data folders; a file whose contents differ is refused, naming
 * both hashes, and a file found nowhere names every place looked.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { fileRef, locateFile, sha256File } from '../../src/queue/file-ref.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-file-ref-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('sha256File is the SHA-256 of the contents', async () => {
  const path = join(dir, 'abc.txt');
  writeFileSync(path, 'abc');
  assert.equal(await sha256File(path), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('a file is found at the study’s path, else by name in a --data folder; other contents are refused', async () => {
  const study = join(dir, 'study');
  mkdirSync(study);
  const original = join(study, 'song.wav');
  writeFileSync(original, 'the study’s bytes');
  const ref = await fileRef(original);
  assert.equal(await locateFile(ref, [], 'recording'), original);

  // Another machine: not at the study's path, but in a --data folder.
  const elsewhere = { ...ref, path: join(dir, 'nowhere', 'song.wav'), relative: '../nowhere/song.wav' };
  const data = join(dir, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'song.wav'), 'the study’s bytes');
  assert.equal(await locateFile(elsewhere, [join(dir, 'empty'), data], 'recording'), join(data, 'song.wav'));

  // A file of that name with other contents, and no other.
  writeFileSync(join(data, 'song.wav'), 'other bytes');
  await assert.rejects(locateFile(elsewhere, [data], 'recording'), (err: Error) => {
    assert.ok(err instanceof UsageError);
    assert.match(err.message, /data\/song\.wav is not the study's recording song\.wav \(sha256 [0-9a-f]{12}…, the study's is [0-9a-f]{12}…\): copy the study's file there/);
    return true;
  });
  // Nowhere at all.
  await assert.rejects(locateFile({ ...elsewhere, path: join(dir, 'nowhere', 'gone.wav') }, [data], 'unit module'), /the study's unit module gone\.wav is not on this machine \(looked at .*nowhere\/gone\.wav, .*data\/gone\.wav\): copy it there or give --data FOLDER/);
});
