// `npm test`: the type-check and the console build run beside the test suites rather than before them, so
// the first results show within seconds; the run fails if any of the three does. Extra arguments go to jest.
import { spawn } from 'node:child_process';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

function run(label, command, args, env = process.env) {
  process.stdout.write(`[test] ${label}: started\n`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    child.on('close', (code, signal) => {
      const ok = code === 0;
      process.stdout.write(`[test] ${label}: ${ok ? 'passed' : `FAILED (${signal ?? `exit ${code}`})`} after ${elapsed()}\n`);
      resolve(ok);
    });
  });
}

const jestEnv = {
  ...process.env,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --disable-warning=ExperimentalWarning`.trim(),
};
// The console's browser tests serve the built bundle, so it is built before the suites start (≈1 s).
const built = await run('console build', 'node', ['scripts/build-console.mjs']);
const results = await Promise.all([
  run('type-check', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']),
  run('jest', 'npx', ['jest', ...process.argv.slice(2)], jestEnv),
]);
const ok = built && results.every(Boolean);
process.stdout.write(`[test] ${ok ? 'all passed' : 'FAILED'} in ${elapsed()}\n`);
process.exit(ok ? 0 : 1);
