/**
 * A report's files: the page with its figures inline, and with --png each
 * figure as a PNG beside it. Shared by the run report and the compare report.
 */
import { statSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { figure, page, scaleSwitch } from './html.js';
import { prefixSvgIds, renderSvg, svgToPng, type FontChoice } from './render.js';

export interface Figure {
  /** File-name part: report-NAME.png. */
  name: string;
  /** The spec on a linear or a log scale; `switchable` figures get both in the page. */
  spec: (log: boolean) => TopLevelSpec;
  switchable: boolean;
  /** HTML under the figure. */
  caption: string;
}

/**
 * Fails early, before the work, when `out` cannot be written: its folder is
 * missing or it is a folder (writeFileAtomic would say the same at the end).
 */
export function checkOutputPath(out: string): void {
  const folder = statSync(dirname(out), { throwIfNoEntry: false });
  const why = !folder?.isDirectory() ? 'its folder does not exist' : statSync(out, { throwIfNoEntry: false })?.isDirectory() ? 'it is a directory' : null;
  if (why) throw new UsageError(`cannot write ${out}: ${why}; choose another output path`);
}

export interface ReportFiles {
  html: string;
  pngs: string[];
}

/**
 * Renders `figures` into the page (`sections` may put HTML between them:
 * a string is copied, a number n places figure n), and with a font each
 * figure as BASE-NAME.png beside it, on the scale `log` picks.
 */
export async function writeReportFiles(
  out: string,
  content: { title: string; meta: string; intro: string; sections: (string | number)[]; figures: readonly Figure[] },
  options: { log: boolean; font: FontChoice | null },
): Promise<ReportFiles> {
  const blocks: string[] = [];
  const shown = new Map<string, string>(); // figure name → the SVG on the chosen scale
  for (const section of content.sections) {
    if (typeof section === 'string') {
      blocks.push(section);
      continue;
    }
    const f = content.figures[section];
    const svg = async (log: boolean) => prefixSvgIds(await renderSvg(f.spec(log)), `${f.name}-${log ? 'log' : 'linear'}`);
    if (f.switchable) {
      const [linear, log] = [await svg(false), await svg(true)];
      shown.set(f.name, options.log ? log : linear);
      blocks.push(scaleSwitch(`${f.name}-scale`, linear, log, options.log, f.caption));
    } else {
      const one = await svg(false);
      shown.set(f.name, one);
      blocks.push(figure(one, f.caption));
    }
  }
  const html = page({ title: content.title, meta: content.meta, intro: content.intro, sections: blocks });
  const base = extname(out).toLowerCase() === '.html' || extname(out).toLowerCase() === '.htm' ? out.slice(0, -extname(out).length) : out;
  const pngs: string[] = [];
  if (options.font) {
    for (const [name, svg] of shown) {
      const path = `${base}-${name}.png`;
      await writeFileAtomic(path, svgToPng(svg, options.font));
      pngs.push(path);
    }
  }
  await writeFileAtomic(out, html);
  return { html: out, pngs };
}

