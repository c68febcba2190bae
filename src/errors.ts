/**
 * An error the user can fix: bad input, a bad flag, a file that is not audio.
 * The CLI prints its message as one line on stderr (no stack trace) and exits
 * with `exitCode`. Messages name the thing that is wrong and what to do about it.
 */
export class UsageError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UsageError';
    this.exitCode = exitCode;
  }
}
