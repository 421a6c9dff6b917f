/**
 * The service's peak memory is measured (bench/service-process.ts) with V8 heap flags; every way the service is
 * started must pass the same ones, or the figure describes a service nobody runs.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_HEAP_FLAGS } from '../../bench/service-process';

const root = join(__dirname, '../..');
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('the heap flags the service runs with', () => {
  it.each(['start', 'start:production'])('npm run %s passes the measured flags to node before the entry point', (script) => {
    const words = scripts[script]!.split(/\s+/);
    expect(words[0]).toBe('node');
    expect(words.slice(1, 1 + SERVICE_HEAP_FLAGS.length)).toEqual([...SERVICE_HEAP_FLAGS]);
  });

  it('the image starts node with them', () => {
    const cmd = readFileSync(join(root, 'Dockerfile'), 'utf8').split('\n').filter((line) => line.startsWith('CMD ')).at(-1)!;
    expect(JSON.parse(cmd.slice(4))).toEqual(['node', ...SERVICE_HEAP_FLAGS, 'dist/src/main.js']);
  });

  it('node takes them: the old generation is capped at 512 MiB rather than sized from the machine', () => {
    const limit = Number(execFileSync(process.execPath, [...SERVICE_HEAP_FLAGS, '-p', 'require("v8").getHeapStatistics().heap_size_limit'], { encoding: 'utf8' }));
    expect(limit / 2 ** 20).toBeLessThan(600);
    expect(limit / 2 ** 20).toBeGreaterThan(500);
  });
});
