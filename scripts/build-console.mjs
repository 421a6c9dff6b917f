// Bundles the ops console (src/console) into dist/console: one app.js, app.css and index.html, all served
// from /admin, so the page needs nothing from outside and runs under helmet's default CSP (no inline code).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
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
await copyFile(join(source, 'app.css'), join(out, 'app.css'));

// The assets are served with a max-age; a content hash in their URLs makes a new build reach browsers at once.
const fingerprint = async (file) => createHash('sha256').update(await readFile(join(out, file))).digest('hex').slice(0, 12);
const html = (await readFile(join(source, 'index.html'), 'utf8'))
  .replace('/admin/app.js', `/admin/app.js?v=${await fingerprint('app.js')}`)
  .replace('/admin/app.css', `/admin/app.css?v=${await fingerprint('app.css')}`);
await writeFile(join(out, 'index.html'), html);
console.log(`console built into ${out} in ${Date.now() - started} ms`);
