/**
 * The playground in a real browser for tests: the built page (dist/playground, made by
 * `npm run build`) served by Vite's preview server with the playground's own config (so with its
 * cross-origin isolation headers), and Debian's chromium driven by playwright-core. `.ci/run`
 * installs chromium when missing; a machine without it fails these tests rather than skipping.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { preview } from 'vite';

export const CHROMIUM = process.env.AUDIOPRED_CHROMIUM ?? '/usr/bin/chromium';
const CONFIG = fileURLToPath(new URL('../../../playground/vite.config.ts', import.meta.url));
const BUILT = fileURLToPath(new URL('../../playground/index.html', import.meta.url));

export interface Playground {
  url: string;
  browser: Browser;
  /** A new tab on the page, with `query` (the settings in the URL), once it is ready; `errors` collects what the page threw. */
  open(query?: string): Promise<Page & { errors: string[] }>;
  close(): Promise<void>;
}

export async function startPlayground(): Promise<Playground> {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run npm run build`);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install --no-install-recommends chromium (or set AUDIOPRED_CHROMIUM)`);
  const server = await preview({ configFile: CONFIG, logLevel: 'warn', preview: { port: 0, host: '127.0.0.1', open: false } });
  const url = server.resolvedUrls!.local[0];
  // No sandbox: CI runs as root, where chromium refuses its sandbox.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  return {
    url,
    browser,
    async open(query = '') {
      const page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url + query);
      await waitForStatus(page, /^ready$/);
      return Object.assign(page, { errors });
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Waits until the status reads `pattern` (the page's data-testid="status"). */
export async function waitForStatus(page: Page, pattern: RegExp, timeout = 120_000): Promise<string> {
  await page.getByTestId('status').filter({ hasText: pattern }).waitFor({ timeout });
  return (await page.getByTestId('status').textContent()) ?? '';
}
