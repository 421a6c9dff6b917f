/**
 * Preloaded into the service (`node --require`) by bench/profile/commands.ts: counts every query the pg driver
 * sends, by statement shape, with the time each took to answer. On SIGUSR2 it writes the counts to
 * BENCH_QUERY_COUNTS and starts counting afresh, so a profile can take one snapshot per phase.
 * Plain CommonJS because --require runs before tsx is loaded.
 */
'use strict';
const { writeFileSync } = require('node:fs');
const pg = require('pg');

let counts = new Map();
const original = pg.Client.prototype.query;

function shape(config) {
  const text = typeof config === 'string' ? config : config && typeof config.text === 'string' ? config.text : '?';
  const flat = text.replace(/\s+/g, ' ').trim();
  // Statements sharing a long column list differ only in their WHERE clause: keep both ends.
  const where = flat.indexOf(' WHERE ');
  return where > 60 ? `${flat.slice(0, 45)} … ${flat.slice(where + 1, where + 60)}` : flat.slice(0, 100);
}

function record(key, started) {
  const entry = counts.get(key) || { count: 0, ms: 0 };
  entry.count += 1;
  entry.ms += Number(process.hrtime.bigint() - started) / 1e6;
  counts.set(key, entry);
}

pg.Client.prototype.query = function countedQuery(config, values, callback) {
  const key = shape(config);
  const started = process.hrtime.bigint();
  const cb = typeof values === 'function' ? values : callback;
  if (typeof cb === 'function') {
    const wrapped = (error, result) => {
      record(key, started);
      cb(error, result);
    };
    return typeof values === 'function' ? original.call(this, config, wrapped) : original.call(this, config, values, wrapped);
  }
  const result = original.call(this, config, values);
  if (result && typeof result.then === 'function') {
    result.then(() => record(key, started), () => record(key, started));
  }
  return result;
};

process.on('SIGUSR2', () => {
  const snapshot = [...counts.entries()].map(([sql, entry]) => ({ sql, count: entry.count, ms: entry.ms }));
  counts = new Map();
  writeFileSync(process.env.BENCH_QUERY_COUNTS, JSON.stringify(snapshot));
});
