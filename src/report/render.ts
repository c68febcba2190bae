/**
 * Vega-Lite spec → SVG (Vega's headless renderer) → PNG (resvg).
 *
 * Vega lays the chart out and writes SVG without a browser or a canvas:
 * `new View(…, { renderer: 'none' }).toSVG()`. It estimates text widths
 * (no canvas to measure with), which is why the specs leave room for labels.
 * resvg rasterises that SVG; it draws text with real font files, so a PNG
 * needs one: we look for a sans-serif font among the system fonts and refuse
 * --png with a clear message when there is none.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { UsageError } from '../errors.js';

/**
 * Text width in px, estimated per character from DejaVu Sans's advance widths
 * (in em; bold about 8 % wider). Without a canvas Vega guesses 0.8 em for every
 * character, which leaves wide gaps after titles and legends; this guess is
 * within a few percent for DejaVu Sans and errs wide for narrower fonts.
 */
export function estimateTextWidth(text: string, fontSize: number, bold = false): number {
  let em = 0;
  for (const ch of text) {
    if (' .,:;\'|!'.includes(ch)) em += 0.32;
    else if ('iljftI()[]-'.includes(ch)) em += 0.36;
    else if ('mwMW%'.includes(ch)) em += 0.92;
    else if (/[0-9]/.test(ch)) em += 0.64;
    else if (/[A-Z]/.test(ch)) em += 0.72;
    else em += 0.6;
  }
  return em * fontSize * (bold ? 1.08 : 1);
}

interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
}
(vega as unknown as { textMetrics: { width: (item: TextItem, text: unknown) => number } }).textMetrics.width = (item, text) => {
  const bold = item.fontWeight === 'bold' || (typeof item.fontWeight === 'number' && item.fontWeight >= 600);
  return estimateTextWidth(text == null ? '' : String(text).trim(), item.fontSize ?? 11, bold);
};

/** SVG of a Vega-Lite spec, as Vega renders it headlessly. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // Warnings about a spec are for whoever writes specs.ts, not for the user: errors only.
  const view = new vega.View(vega.parse(compile(spec, { logger: vega.logger(vega.Error) }).spec), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Vega numbers its clip paths and gradients from 1 in every SVG (clip1, …).
 * Several SVGs inline in one page share one id space, so each figure's ids get
 * the figure's name as a prefix, or one chart would clip by another's rectangle.
 */
export function prefixSvgIds(svg: string, prefix: string): string {
  return svg.replace(/(id="|url\(#|href="#)((?:clip|gradient_)\d+)/g, `$1${prefix}-$2`);
}

/** Where fonts are looked for: AUDIOPRED_FONT_DIRS (colon-separated) when set, else the usual system folders. */
export function fontDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const given = env.AUDIOPRED_FONT_DIRS;
  if (given !== undefined) return given.split(':').filter((d) => d);
  return ['/usr/share/fonts', '/usr/local/share/fonts', join(homedir(), '.local/share/fonts'), join(homedir(), '.fonts'), '/Library/Fonts', '/System/Library/Fonts', 'C:\\Windows\\Fonts'];
}

export interface FontChoice {
  /** Folders resvg loads fonts from. */
  dirs: string[];
  /** The family that stands in for `sans-serif`. */
  family: string;
}

/** Font files we know the family of, best first. */
const KNOWN_FONTS: [file: string, family: string][] = [
  ['DejaVuSans.ttf', 'DejaVu Sans'],
  ['LiberationSans-Regular.ttf', 'Liberation Sans'],
  ['NotoSans-Regular.ttf', 'Noto Sans'],
  ['Arial.ttf', 'Arial'],
  ['arial.ttf', 'Arial'],
  ['Helvetica.ttc', 'Helvetica'],
  ['FreeSans.ttf', 'FreeSans'],
];

/** Every font file under `dirs` (a few folders deep), as paths by file name. */
function fontFiles(dirs: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (/\.(ttf|otf|ttc)$/i.test(name)) {
        if (!found.has(name)) found.set(name, path);
      } else if (depth < 4) {
        try {
          if (statSync(path).isDirectory()) walk(path, depth + 1);
        } catch {
          // an unreadable entry: skip it
        }
      }
    }
  };
  for (const dir of dirs) walk(dir, 0);
  return found;
}

/**
 * A sans-serif font for the PNGs' text, or null when no font file exists.
 * A known file name gives the family directly; otherwise fontconfig's
 * `fc-match sans-serif` names one, when fontconfig is there.
 */
export function findFont(dirs: readonly string[] = fontDirs()): FontChoice | null {
  const files = fontFiles(dirs);
  if (files.size === 0) return null;
  const present = dirs.filter((d) => existsSync(d));
  for (const [file, family] of KNOWN_FONTS) if (files.has(file)) return { dirs: present, family };
  const fc = spawnSync('fc-match', ['-f', '%{family[0]}', 'sans-serif'], { encoding: 'utf8' });
  if (fc.status === 0 && fc.stdout.trim()) return { dirs: present, family: fc.stdout.trim() };
  return null;
}

/** findFont, or a UsageError saying what to install. */
export function requireFont(): FontChoice {
  const font = findFont();
  if (font) return font;
  throw new UsageError(
    `--png needs a TrueType or OpenType font to draw the figures' text and found none in ${fontDirs().join(', ')}; ` +
      `install one (Debian: apt-get install fonts-dejavu-core), point AUDIOPRED_FONT_DIRS at a folder of fonts, or leave out --png`,
  );
}

/** PNG of an SVG at `scale` × its size, on white, with text in `font`. */
export function svgToPng(svg: string, font: FontChoice, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: {
      loadSystemFonts: false,
      fontDirs: font.dirs,
      defaultFontFamily: font.family,
      sansSerifFamily: font.family,
    },
    imageRendering: 1, // optimizeSpeed: heatmap cells scaled up pixel by pixel, not blurred
    logLevel: 'off',
  });
  return resvg.render().asPng();
}
