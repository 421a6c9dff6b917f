// Bundles the ops console (src/console) into dist/console: one app.js, app.css and index.html, all served
// from /admin, so the page needs nothing from outside and runs under helmet's default CSP (no inline code).
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'console');
const out = join(root, 'dist', 'console');

const started = Date.now();
await mkdir(out, { recursive: true });
await build({
  entryPoints: [join(source, 'main.tsx')],
  outfile: join(out, 'app.js'),
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: 'es2020',
  platform: 'browser',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
await Promise.all(['index.html', 'app.css'].map((file) => copyFile(join(source, file), join(out, file))));
console.log(`console built into ${out} in ${Date.now() - started} ms`);
