/** `npm start`: load the configuration, start the service, print where the console is, drain on SIGTERM. */
import pino from 'pino';
import { ConfigError, loadConfig, type Config } from './config/config';
import { developmentSecret, signToken } from './auth/tokens';
import { startService } from './service';

const DEV_TOKEN_HOURS = 12;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  // People at a terminal get readable lines; anything else (a file, a log shipper) gets JSON.
  const logger = process.stdout.isTTY
    ? pino({ level: config.logLevel }, pino.transport({ target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' } }))
    : pino({ level: config.logLevel });
  let printToken = false;
  if (config.jwtSecret === undefined && config.jwksUrl === undefined) {
    // Outside production only (loadConfig refuses this in production): a random secret kept in the data dir.
    config = { ...config, jwtSecret: developmentSecret(config.dataDir) };
    printToken = true;
  }
  // Signals are handled from the start: a SIGTERM that arrives while the service starts, or just as it
  // announces itself, still drains it instead of killing it mid-write.
  const starting = startService(config, { logger });
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    const deadline = setTimeout(() => process.exit(1), 10_000);
    deadline.unref();
    starting
      .then((service) => service.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  const service = await starting;
  const store = config.databaseUrl !== undefined ? 'PostgreSQL' : `embedded PostgreSQL in ${config.dataDir}`;
  const lines = [`Incident engine listening on ${service.url} (${store}, event store: ${config.eventStore})`];
  if (printToken) {
    // Short-lived: the link sits in a terminal's scrollback and shell logs.
    const scope = { issuer: config.jwtIssuer, audience: config.jwtAudience };
    const hours = Math.min(DEV_TOKEN_HOURS, config.jwtMaxTtlHours);
    const token = await signToken(config.jwtSecret!, { sub: 'local-admin', email: 'admin@localhost', role: 'admin' }, `${hours * 3600}s`, scope);
    lines.push(`Ops console: ${service.url}/admin#token=${token}`);
    lines.push(`That token expires in ${hours} h; mint another: npm run token -- --sub local-admin --email admin@localhost --role admin`);
    lines.push('More tokens: npm run token -- --sub alice --email alice@example.com --role ops');
    lines.push('This link again, later: npm run token -- --console');
  } else {
    lines.push(`Ops console: ${service.url}/admin (sign in with a bearer token)`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
