/** The bench's child processes run TypeScript through tsx, so a fresh clone needs no build. */
import path from 'node:path';

export const projectRoot = path.resolve(__dirname, '..');
export const tsxExecArgv: readonly string[] = ['--import', 'tsx'];
