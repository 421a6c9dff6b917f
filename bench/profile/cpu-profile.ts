/** Reads a V8 .cpuprofile and sums self time by function and by where the code lives (ours, a package, node, GC). */
import { readFileSync } from 'node:fs';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

export type SelfTime = Readonly<{ name: string; ms: number; share: number }>;

function place(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg !== null) return `pkg:${pkg[1]}`;
  if (url.startsWith('node:')) return 'node-internals';
  if (url.includes('/src/') || url.includes('/projections/')) return 'service code';
  return url;
}

export function summarizeProfile(file: string, top: number): { total: number; byFunction: SelfTime[]; byPlace: SelfTime[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id);
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    if (node === undefined) return;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') return;
    total += ms;
    const short = url.replace(/^.*\/(node_modules\/|src\/|projections\/)/, '$1');
    const name = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    const where = place(url, functionName);
    byPlace.set(where, (byPlace.get(where) ?? 0) + ms);
  });
  const ranked = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: ms / total }));
  return { total, byFunction: ranked(byFunction), byPlace: ranked(byPlace) };
}
