/**
 * How the embedded PGlite store is started. PGlite runs PostgreSQL in WebAssembly inside the service's own
 * process, and PostgreSQL zero-fills its shared memory when it starts, so every MiB of its page cache
 * (shared_buffers) is a MiB of the service's resident set for as long as it runs. PGlite's default is a
 * server's 128 MB; the service's working set is far smaller, and the operating system caches the data files
 * as well.
 */

/** The command mix runs as fast on 32 MB as on 128 MB (measured with bench/figures/embedded.ts), with about 100 MiB less resident. */
export const DEFAULT_EMBEDDED_SHARED_BUFFERS_MB = 32;

/** PGlite's own start parameters plus ours, given at every start so they apply to data dirs created before them too. */
export function embeddedStartParams(defaults: readonly string[], sharedBuffersMb: number): string[] {
  return [...defaults, '-c', `shared_buffers=${sharedBuffersMb}MB`];
}
