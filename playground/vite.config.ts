/**
 * The playground's build: the page (playground/src) on the run library as compiled to
 * dist/src, with each module that has a browser twin (X.browser.js beside X.js: the wasm
 * loader, training threads, file readers…) swapped for it. Any Node built-in still reached is
 * a build error naming the module, so the page never ships code that cannot run in it.
 *
 * The page must be cross-origin isolated (COOP + COEP) for shared wasm memory and threads; the
 * preview server sends both headers, and any static host that sends them can serve dist/playground.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = dirname(fileURLToPath(import.meta.url));
const repo = resolve(root, '..');
const library = join(repo, 'dist', 'src');

export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Bundled inputs the page offers, served under the names src/examples.browser.ts gives them. */
const EXAMPLES = ['examples/audio/second-inaugural.flac', 'examples/audio/bach-prelude.flac', 'examples/audio/rain-and-thunder.flac', 'examples/series/mackey-glass-17.npy'];

function browserTwins(): Plugin {
  return {
    name: 'audiopred-browser-twins',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer) return null;
      if (source.startsWith('node:')) this.error(`${importer} imports ${source}: give that module a .browser.ts twin (see playground/vite.config.ts)`);
      if (!source.startsWith('.') || !source.endsWith('.js')) return null;
      const target = resolve(dirname(importer.split('?')[0]), source);
      if (!target.startsWith(library)) return null;
      const twin = target.replace(/\.js$/, '.browser.js');
      return existsSync(twin) ? twin : null;
    },
  };
}

/**
 * A service worker that adds the isolation headers where the host cannot (GitHub Pages, a plain
 * static server): coi-serviceworker, the page's first script; it does nothing where the page
 * is isolated already, and otherwise registers itself and reloads the page once.
 */
const ISOLATION_WORKER = { fileName: 'coi-serviceworker.js', from: join(repo, 'node_modules', 'coi-serviceworker', 'coi-serviceworker.min.js') };

function bundledFiles(): Plugin {
  return {
    name: 'audiopred-bundled-files',
    generateBundle() {
      for (const file of EXAMPLES) this.emitFile({ type: 'asset', fileName: file, source: readFileSync(join(repo, file)) });
      this.emitFile({ type: 'asset', fileName: ISOLATION_WORKER.fileName, source: readFileSync(ISOLATION_WORKER.from) });
    },
    transformIndexHtml: {
      order: 'post',
      handler: () => [{ tag: 'script', attrs: { src: `./${ISOLATION_WORKER.fileName}` }, injectTo: 'head-prepend' }],
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (req.url?.endsWith(`/${ISOLATION_WORKER.fileName}`)) {
          res.setHeader('Content-Type', 'text/javascript');
          return void res.end(readFileSync(ISOLATION_WORKER.from));
        }
        const file = EXAMPLES.find((f) => req.url?.endsWith(`/${f}`));
        if (!file) return next();
        res.setHeader('Content-Type', file.endsWith('.npy') ? 'application/octet-stream' : 'audio/flac');
        res.end(readFileSync(join(repo, file)));
      });
    },
  };
}

const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };

export default defineConfig({
  root,
  define: { __AUDIOPRED_VERSION__: JSON.stringify(version) },
  base: './',
  publicDir: false,
  plugins: [browserTwins(), bundledFiles()],
  worker: { format: 'es', plugins: () => [browserTwins()] },
  build: {
    outDir: join(repo, 'dist', 'playground'),
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 4096,
  },
  server: { host: '127.0.0.1', headers: ISOLATION_HEADERS, fs: { allow: [repo] } },
  preview: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
});
