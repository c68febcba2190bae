/**
 * `audiopred report RUN… [-o report.html] [--png] [--log]`: one self-contained
 * HTML page about the runs (see src/report/report.ts), and with --png each
 * figure as a PNG beside it.
 */
import { UsageError } from '../errors.js';
import { writeRunReport } from '../report/report.js';

export interface ReportCommandOptions {
  out: string;
  png: boolean;
  log: boolean;
  valSegment: string;
}

export async function reportCommand(runs: string[], options: ReportCommandOptions): Promise<void> {
  const valSegment = Number(options.valSegment);
  if (!/^\d+$/.test(options.valSegment.trim()) || !Number.isSafeInteger(valSegment)) {
    throw new UsageError(`--val-segment must be an integer ≥ 0, got '${options.valSegment}'`);
  }
  const files = await writeRunReport(runs, { out: options.out, png: options.png, log: options.log, valSegment });
  process.stdout.write(`Wrote ${files.html}${files.pngs.length ? ` and ${files.pngs.join(', ')}` : ''}\n`);
}
