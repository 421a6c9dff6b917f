/** The yardstick: single-row insert transactions per second on the same database at 1 and 8 connections. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot, tsxExecArgv } from '../children';
import { CONCURRENCIES, type BenchContext, type RawRates } from '../context';
import { RAW_INSERT_TABLE, type RawInsertOptions, type RawInsertResult } from '../raw-insert';
import type { Figure } from '../report';

const run = promisify(execFile);

async function rawInsertRate(ctx: BenchContext, clients: number, notify: boolean): Promise<number> {
  const options: RawInsertOptions = { databaseUrl: ctx.databaseUrl, clients, warmupMs: ctx.plan.warmupMs, durationMs: ctx.plan.throughputMs, notify };
  const { stdout } = await run(process.execPath, [...tsxExecArgv, path.join('bench', 'raw-insert.ts'), JSON.stringify(options)], { cwd: projectRoot });
  return (JSON.parse(stdout.trim()) as RawInsertResult).perSecond;
}

/** The yardstick at 1 and 8 connections, then (for information) the same at 8 with a NOTIFY in each insert. */
export async function measureRawInserts(ctx: BenchContext): Promise<{ rates: RawRates; figures: Figure[] }> {
  await ctx.pool.query(RAW_INSERT_TABLE);
  const rates: Record<number, number> = {};
  const figures: Figure[] = [];
  for (const clients of CONCURRENCIES) {
    rates[clients] = await rawInsertRate(ctx, clients, false);
    figures.push({ figure: `raw_insert.c${clients}`, value: rates[clients]!, unit: 'tx/s', goal: null, ratio: 1, note: 'pg single-row INSERT, autocommit' });
    ctx.log(`raw insert at ${clients} client(s): ${Math.round(rates[clients]!)} tx/s`);
  }
  const withNotify = await rawInsertRate(ctx, 8, true);
  figures.push({
    figure: 'raw_insert_notify.c8',
    value: withNotify,
    unit: 'tx/s',
    goal: null,
    ratio: withNotify / rates[8]!,
    note: 'the same INSERT + pg_notify: why the append sends none',
  });
  ctx.log(`raw insert + pg_notify at 8 clients: ${Math.round(withNotify)} tx/s`);
  await ctx.pool.query('DROP TABLE bench_raw_insert');
  return { rates: { 1: rates[1]!, 8: rates[8]! }, figures };
}
