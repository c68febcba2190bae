/**
 * Numbers, sizes and durations as tables and pages print them: shared by the
 * command line, the comparison's tables and the HTML reports.
 */
import type { CostReport } from './models/cost.js';

/** A Markdown table, columns padded to their widest cell so it reads in a terminal too: header, rule, rows. */
export function markdownTable(titles: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = titles.map((title, c) => Math.max(title.length, ...rows.map((r) => r[c].length)));
  const line = (values: readonly string[]) => `| ${values.map((v, c) => v.padEnd(widths[c])).join(' | ')} |`;
  return [line(titles), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

/** 1234567 → '1.23M', 12345 → '12.3k', 123 → '123'. */
export function compactCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toPrecision(3)}G`;
  if (n >= 1e6) return `${(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e4) return `${(n / 1e3).toPrecision(3)}k`;
  return String(Math.round(n));
}

export function bytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

/** 12.34 → '12.3 s', 300 → '5.0 min' (minutes from 90 s on). */
export function duration(seconds: number): string {
  // Closed-form units train in a few hundredths of a second: show them, not '0.0 s'.
  return seconds >= 90 ? `${(seconds / 60).toFixed(1)} min` : seconds >= 1 ? `${seconds.toFixed(1)} s` : `${seconds.toFixed(2)} s`;
}

/** One line of a unit's cost metrics, as `train` prints at the end. */
export function costLine(c: CostReport): string {
  const parts = [
    `${c.params.toLocaleString('en-US')} parameters${c.trainable !== c.params ? ` (${c.trainable.toLocaleString('en-US')} trained)` : ''}`,
    `memory ${bytes(c.memoryBytes)}`,
  ];
  if (c.macsPerFrame !== undefined) {
    const effective = c.effectiveMacsPerFrame !== undefined && c.effectiveMacsPerFrame !== c.macsPerFrame ? `, ${compactCount(c.effectiveMacsPerFrame)} effective` : '';
    parts.push(`${compactCount(c.macsPerFrame)} MACs/frame${effective}`);
  }
  if (c.activationSparsity !== undefined) parts.push(`activation sparsity ${(100 * c.activationSparsity).toFixed(1)}%`);
  if (c.connectionSparsity) parts.push(`connection sparsity ${(100 * c.connectionSparsity).toFixed(1)}%`);
  return `Cost: ${parts.join(', ')}`;
}

/** The last part of a path, as tables name a recording (node:path's basename, for any platform's separators and a browser). */
export function fileName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

/** A path's extension with its dot ('.flac'), or '' (node:path's extname, for any platform's separators and a browser). */
export function fileExtension(path: string): string {
  return /\.[^./\\]*$/.exec(path)?.[0] ?? '';
}

/** 2026-11-29T03:58:12Z → 20261129-035812 (UTC, sorts by time). */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}
