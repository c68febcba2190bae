/**
 * What a unit threw during training, as one line that names the unit, the method, where in
 * training it happened and the user's own file:line (unit-frames.ts finds it in the stack).
 *
 * This sits with the unit interface, below the trainers that report such errors and the loader
 * that writes the bundles, so neither has to import the other.
 */
import { UsageError } from '../errors.js';
import { isModelName } from './registry.js';
import { debugStacks, unitFrame } from './unit-frames.js';

/** What a unit threw, as plain data (it may have crossed from a worker thread). */
export interface Thrown {
  readonly message: string;
  readonly stack?: string;
}

/** `err` as plain data: an Error's first message line and stack, or anything else as a string. */
export function thrown(err: unknown): Thrown {
  if (err instanceof Error) return { message: err.message.split('\n')[0] || err.name, stack: err.stack };
  return { message: String(err) };
}

/**
 * The one-line error for a unit method that threw during training, exit code
 * 3 (training stopped; the last good checkpoint stays):
 *
 *   unit my-unit.ts threw in learn() (epoch 2, segment 17, step 42, training): boom (my-unit.ts:31:11)
 *
 * `where` says where in training ("epoch 2, segment 17, step 42, training").
 * The location is the first frame in the user's bundle, mapped back to their
 * source (see unitFrame). A built-in unit throwing is a bug in audiopred and
 * says so. AUDIOPRED_DEBUG=1 appends the original stack. A unit that throws
 * while it is being set up, before the first epoch, is exit code 2 like the
 * probe's errors (`exitCode`).
 */
export function unitThrew(label: string, method: string, where: string, err: unknown, exitCode = 3): UsageError {
  const plain = !(err instanceof Error) && err !== null && typeof err === 'object' && typeof (err as Thrown).message === 'string';
  const t = plain ? (err as Thrown) : thrown(err);
  const call = method === 'factory' ? 'its factory' : `${method}()`;
  const frame = unitFrame(t.stack);
  const debug = debugStacks() && t.stack ? `\n${t.stack}` : '';
  if (isModelName(label) && !frame) {
    return new UsageError(
      `internal error: built-in unit ${label} threw in ${call} (${where}): ${t.message}; this is a bug in audiopred, please report it ` +
        `(AUDIOPRED_DEBUG=1 shows the stack)${debug}`,
      exitCode,
    );
  }
  return new UsageError(`unit ${label} threw in ${call} (${where}): ${t.message}${frame ? ` (${frame})` : ''}${debug}`, exitCode);
}
