import { exitAfterWrites } from '../files.js';

export interface SignalStop {
  /** Aborted by the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** The exit code for the signal that stopped the work: 130 (SIGINT) or 143 (SIGTERM). */
  exitCode(): number;
  dispose(): void;
}

/**
 * Ctrl-C and SIGTERM for a long command: the first aborts `signal` (the work stops at a clean
 * point, saying `what` it does on stderr); a second quits at once, once the file being written
 * is whole.
 */
export function stopOnSignals(what: string): SignalStop {
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  const codeOf = (signal: NodeJS.Signals | null) => (signal === 'SIGTERM' ? 143 : 130);
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedBy) return void exitAfterWrites(codeOf(signal));
    stoppedBy = signal;
    process.stderr.write(`\naudiopred: ${signal}: ${what} (press Ctrl-C again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    exitCode: () => codeOf(stoppedBy),
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
