/** Tests run TypeScript through swc (no type-check; `npm test` runs tsc first). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)sx?$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript', tsx: true }, target: 'es2022' },
      module: { type: 'commonjs' },
    }],
  },
  // node-pg-migrate 9 and its loader are ESM-only; jest on Node 20 loads CommonJS, so swc converts them.
  transformIgnorePatterns: ['/node_modules/(?!(node-pg-migrate|@seriousme|jose|inversify|@inversifyjs|glob|minimatch|path-scurry|lru-cache|minipass|jackspeak|@isaacs|balanced-match|brace-expansion|yargs|yargs-parser|cliui|y18n|escalade|get-caller-file|string-width|strip-ansi|ansi-regex|emoji-regex|wrap-ansi|ansi-styles|jiti)/)'],
  // A missing browser is found (or installed) once, before any suite starts.
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  // One suite at a time unless JEST_WORKERS says more. Each suite has its own scratch database, but readers of
  // the Postgres store wait behind every open write transaction on the whole server (pg_snapshot_xmin), so a
  // suite running beside another sees its events late and its timing-sensitive checks (sweeps, live bursts) flake.
  maxWorkers: Number(process.env.JEST_WORKERS ?? 1),
  testTimeout: 30000,
};
