// Preloaded into the service under test (with --expose-gc): SIGUSR2 runs a full collection, so a test reads the
// live heap rather than whatever garbage the collector has not got round to yet.
process.on('SIGUSR2', () => globalThis.gc());
