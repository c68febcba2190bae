/**
 * The figure of a tune study (DIR/tune.png): each unit's test loss with its 95 % confidence
 * interval over seeds, and every trial's validation score at each rung it reached, so one sees
 * both the verdict and what ASHA stopped on the way.
 */
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../files.js';
import type { TuneRecord } from '../tune/record.js';
import { findFont, renderSvg, svgToPng, type FontChoice } from './render.js';
import { WIDTH } from './specs.js';

export const TUNE_FIGURE = 'tune.png';

export function tuneSpec(record: TuneRecord): TopLevelSpec {
  const units = record.units.map((u) => u.unit);
  // One colour per unit in both panels, whichever units each panel has data for.
  const colour = { field: 'unit', type: 'nominal' as const, title: 'unit', scale: { domain: units, scheme: 'tableau10' } };
  // Losses span decades (a baseline near 1, a good unit far below): a log axis, with an interval that reaches 0 cut at a tenth of its mean.
  const tests = record.units.flatMap((u) =>
    u.test_loss && u.test_loss.mean > 0
      ? [{ unit: u.unit, mean: u.test_loss.mean, low: u.test_loss.ci95 ? Math.max(u.test_loss.ci95[0], u.test_loss.mean / 10) : null, high: u.test_loss.ci95?.[1] ?? null }]
      : [],
  );
  const scores = record.units.flatMap((u) =>
    u.trials.flatMap((t) => t.scores.filter((s) => s.score !== null).map((s) => ({ unit: u.unit, trial: `${u.unit} ${t.trial}`, epochs: s.epochs, score: s.score }))),
  );
  const testPanel = {
    title: { text: 'Test loss of each unit’s best configuration', subtitle: 'mean over seeds with its 95 % confidence interval (Student’s t); log scale' },
    width: WIDTH,
    height: { step: 22 },
    data: { values: tests },
    encoding: { y: { field: 'unit', type: 'nominal' as const, title: null, sort: units }, color: colour },
    layer: [
      { transform: [{ filter: 'isValid(datum.low) && isValid(datum.high)' }], mark: { type: 'rule' as const, strokeWidth: 2 }, encoding: { x: { field: 'low', type: 'quantitative' as const, scale: { type: 'log' as const } }, x2: { field: 'high' } } },
      { mark: { type: 'point' as const, filled: true, size: 60, opacity: 1 }, encoding: { x: { field: 'mean', type: 'quantitative' as const, title: 'test loss (MSE)', scale: { type: 'log' as const } } } },
    ],
  };
  const trialPanel = {
    title: { text: 'Trials: validation score at each rung', subtitle: 'validation loss ÷ persistence’s, mean over recordings; below 1 beats persistence' },
    width: WIDTH,
    height: 260,
    data: { values: scores },
    encoding: {
      x: { field: 'epochs', type: 'quantitative' as const, title: 'epochs', scale: { type: 'log' as const } },
      y: { field: 'score', type: 'quantitative' as const, title: 'score', scale: { type: 'log' as const } },
    },
    layer: [
      { mark: { type: 'line' as const, opacity: 0.6 }, encoding: { color: colour, detail: { field: 'trial', type: 'nominal' as const } } },
      { mark: { type: 'point' as const, filled: true, size: 30 }, encoding: { color: colour } },
      { mark: { type: 'rule' as const, strokeDash: [4, 4], color: '#888' }, encoding: { x: null, y: { datum: 1 } } }, // persistence
    ],
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: { background: 'white', padding: 8, title: { fontSize: 14, anchor: 'start' as const, offset: 12 } },
    vconcat: [...(tests.length ? [testPanel] : []), ...(scores.length ? [trialPanel] : [])],
  } as TopLevelSpec;
}

/** Writes DIR/tune.png; null (and nothing written) when the machine has no font to draw text with. */
export async function writeTuneFigure(record: TuneRecord, dir: string, font: FontChoice | null = findFont()): Promise<string | null> {
  if (!font) return null;
  const path = join(dir, TUNE_FIGURE);
  await writeFileAtomic(path, svgToPng(await renderSvg(tuneSpec(record)), font));
  return path;
}
