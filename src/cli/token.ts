/** `npm run token -- --sub alice --email alice@example.com --role ops [--expires 12h]`: prints a signed JWT. */
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
    },
  });
  const role = values.role;
  if (values.sub === undefined || !['viewer', 'ops', 'admin', 'auditor'].includes(role ?? '')) {
    process.stderr.write('usage: npm run token -- --sub <user id> [--email <email>] [--role viewer|ops|admin|auditor] [--expires 12h]\n');
    process.exit(2);
  }
  const config = loadConfig();
  if (config.jwtSecret === undefined && config.production) {
    process.stderr.write('VPS_INCIDENT_JWT_SECRET must be set to sign tokens in production\n');
    process.exit(2);
  }
  const secret = config.jwtSecret ?? developmentSecret(config.dataDir);
  const token = await signToken(secret, { sub: values.sub, email: values.email ?? null, role: role as 'ops' }, values.expires);
  process.stdout.write(`${token}\n`);
}

void main();
