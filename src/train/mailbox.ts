/**
 * Where a training thread leaves the failure of its part for the caller, who is blocked in a
 * synchronous wait and cannot receive a message: a slice of shared memory per part holding the
 * failure as JSON. Works the same in Node's worker threads and a browser's Web Workers.
 */
import type { WorkerFailure } from './pool.js';

const BYTES_PER_PART = 64 * 1024;

export function createMailbox(parts: number): SharedArrayBuffer {
  return new SharedArrayBuffer(BYTES_PER_PART * parts);
}

/** Writes part `k`'s failure (a stack longer than the slot is cut, never the message). */
export function postFailure(mailbox: SharedArrayBuffer, k: number, failure: WorkerFailure): void {
  const slot = new Uint8Array(mailbox, k * BYTES_PER_PART, BYTES_PER_PART);
  let bytes = new TextEncoder().encode(JSON.stringify(failure));
  if (bytes.length > BYTES_PER_PART - 4) {
    const short = { ...failure, thrown: { message: failure.thrown.message.slice(0, 4096) } };
    bytes = new TextEncoder().encode(JSON.stringify(short));
  }
  new DataView(mailbox, k * BYTES_PER_PART, 4).setUint32(0, bytes.length, true);
  slot.set(bytes, 4);
}

/** Part `k`'s failure, read once (the slot is emptied). */
export function takeFailure(mailbox: SharedArrayBuffer, k: number): WorkerFailure | undefined {
  const view = new DataView(mailbox, k * BYTES_PER_PART, 4);
  const length = view.getUint32(0, true);
  if (length === 0) return undefined;
  view.setUint32(0, 0, true);
  // TextDecoder refuses views of shared memory: copy first.
  const copy = new Uint8Array(mailbox, k * BYTES_PER_PART + 4, length).slice();
  return JSON.parse(new TextDecoder().decode(copy)) as WorkerFailure;
}
