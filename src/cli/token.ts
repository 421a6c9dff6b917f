/**
 * `npm run token -- --sub alice --email alice@example.com --role ops [--expires 12h]`: prints a signed JWT.
 * `npm run token -- --console`: prints the console link with a fresh admin token, as `npm start` did.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config';
import { developmentSecret, signToken } from '../auth/tokens';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string', default: 'ops' },
      expires: { type: 'string', default: '12h' },
      console: { type: 'boolean', default: false },
    },
  });
  if (values.console) {
    values.sub ??= 'local-admin';
    values.email ??= 'admin@localhost';
    values.role = 'admin';
  }
  const role = values.role;
  if (values.sub === undefined || !['viewer', 'ops', 'admin', 'auditor'].includes(role ?? '')) {
    process.stderr.write('usage: npm run token -- --sub <user id> [--email <email>] [--role viewer|ops|admin|auditor] [--expires 12h]  |  npm run token -- --console\n');
    process.exit(2);
  }
  const config = loadConfig();
  if (config.jwtSecret === undefined && config.production) {
    process.stderr.write('VPS_INCIDENT_JWT_SECRET must be set to sign tokens in production\n');
    process.exit(2);
  }
  const lifetime = lifetimeSeconds(values.expires ?? '12h');
  if (lifetime === undefined || lifetime > config.jwtMaxTtlHours * 3600) {
    process.stderr.write(`--expires must be a duration such as 30m or 12h, at most VPS_INCIDENT_JWT_MAX_TTL_HOURS (${config.jwtMaxTtlHours} h): the service refuses longer-lived tokens\n`);
    process.exit(2);
  }
  const secret = config.jwtSecret ?? developmentSecret(config.dataDir);
  const scope = { issuer: config.jwtIssuer, audience: config.jwtAudience };
  const token = await signToken(secret, { sub: values.sub, email: values.email ?? null, role: role as 'ops' }, `${lifetime}s`, scope);
  if (values.console) {
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    process.stdout.write(`Ops console: http://${host}:${config.port}/admin#token=${token}\n`);
    return;
  }
  process.stdout.write(`${token}\n`);
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90s`, `30m`, `12h`, `1d`. */
function lifetimeSeconds(text: string): number | undefined {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (match === null) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2]!]!;
  return seconds > 0 ? seconds : undefined;
}

void main();
