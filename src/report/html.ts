/**
 * The report page: one HTML file with its figures inline as SVG and its
 * styles inline, no scripts and no links, so it opens offline, attaches to a
 * mail and survives being moved. A linear/log switch is two radio buttons and
 * CSS that shows one of two pre-rendered SVGs.
 */

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const STYLE = `
  :root { color-scheme: light; }
  body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #222; margin: 0; background: #fafafa; }
  main { max-width: 1000px; margin: 0 auto; padding: 24px 28px 48px; background: white; }
  h1 { font-size: 24px; margin: 0 0 4px; }
  h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
  .meta { color: #666; font-size: 13px; margin: 0 0 12px; }
  p { max-width: 860px; }
  figure { margin: 12px 0 20px; }
  figure svg { max-width: 100%; height: auto; }
  figcaption { color: #555; font-size: 13px; max-width: 860px; }
  .switch { margin: 4px 0; font-size: 13px; }
  .switch label { margin-right: 12px; cursor: pointer; }
  .switch > input.log:checked ~ .linear, .switch > input.linear:checked ~ .log { display: none; }
  table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }
  th, td { border: 1px solid #ddd; padding: 3px 10px; text-align: left; vertical-align: top; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  thead th { background: #f2f2f2; }
  tbody th { background: #fafafa; font-weight: 600; white-space: nowrap; }
  tr.group th { background: #eef3f8; text-align: left; font-weight: 700; }
  tr.differs th { color: #a03; }
  .note { color: #a03; font-size: 13px; }
  code { font-size: 12px; }
`;

export interface Page {
  title: string;
  /** A line under the title: what made the page, when. */
  meta: string;
  /** HTML: what the figures show. */
  intro: string;
  /** HTML blocks, in order. */
  sections: string[];
}

export function page(p: Page): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(p.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeHtml(p.title)}</h1>`,
    `<p class="meta">${escapeHtml(p.meta)}</p>`,
    p.intro,
    ...p.sections,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A figure: one SVG and a caption (HTML). */
export function figure(svg: string, caption: string): string {
  return `<figure>\n${svg}\n<figcaption>${caption}</figcaption>\n</figure>`;
}

/** A figure drawn twice, on a linear and a log scale, with a switch between them; `log` picks the one shown first. */
export function scaleSwitch(name: string, linearSvg: string, logSvg: string, log: boolean, caption: string): string {
  const id = (scale: string) => `${name}-${scale}`;
  return [
    '<figure class="switch">',
    `<input type="radio" class="linear" name="${name}" id="${id('linear')}"${log ? '' : ' checked'}><label for="${id('linear')}">linear scale</label>`,
    `<input type="radio" class="log" name="${name}" id="${id('log')}"${log ? ' checked' : ''}><label for="${id('log')}">log scale</label>`,
    `<div class="linear">\n${linearSvg}\n</div>`,
    `<div class="log">\n${logSvg}\n</div>`,
    `<figcaption>${caption}</figcaption>`,
    '</figure>',
  ].join('\n');
}

export interface TableRow {
  /** Row heading. */
  name: string;
  /** One cell per column; cells that read as numbers ('0.1234', '12.3k', '4.2 s') are right-aligned. */
  cells: string[];
}

/** A table with a heading row and, optionally, group rows (a row with no cells). Rows whose cells differ are marked. */
export function table(columns: readonly string[], rows: readonly TableRow[], options: { markDiffering?: boolean } = {}): string {
  const cell = (v: string) => (/^[-+]?\d/.test(v) ? `<td class="num">${escapeHtml(v)}</td>` : `<td>${escapeHtml(v)}</td>`);
  const body = rows.map((r) => {
    if (r.cells.length === 0) return `<tr class="group"><th colspan="${columns.length + 1}">${escapeHtml(r.name)}</th></tr>`;
    const differs = options.markDiffering && new Set(r.cells).size > 1;
    return `<tr${differs ? ' class="differs"' : ''}><th>${escapeHtml(r.name)}</th>${r.cells.map(cell).join('')}</tr>`;
  });
  return [
    '<table>',
    `<thead><tr><th></th>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>`,
    `<tbody>\n${body.join('\n')}\n</tbody>`,
    '</table>',
  ].join('\n');
}
