/**
 * docker-compose.yml, Dockerfile and .dockerignore read as data: the app is wired to both stores,
 * waits for them to be healthy, and its environment passes the service's own config parser.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config';

type Service = {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
};

const root = join(__dirname, '..', '..');
// Compose resolves `<<: *app` merge keys; so must we, to read each replica as compose does.
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const service = (name: string): Service => {
  const found = compose.services[name];
  if (!found) throw new Error(`no service ${name}`);
  return found;
};
const env = (name: string): Record<string, string> => service(name).environment ?? {};
const healthcheck = (name: string): string => (service(name).healthcheck?.test ?? []).join(' ');
/** `HOST:CONTAINER` or `IP:HOST:CONTAINER` -> the container port. */
const containerPorts = (name: string): string[] => (service(name).ports ?? []).map((p) => p.split(':').at(-1) ?? '');

/** What compose does to `${VAR}`, `${VAR:-default}` and `${VAR:?message}`. */
function interpolate(value: string, shell: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
    const set = shell[name];
    if (set !== undefined && set !== '') return set;
    if (kind === '?') throw new Error(`compose refuses to start: ${rest ?? name}`);
    return kind === '-' ? (rest ?? '') : '';
  });
}

const secret = 'a-test-secret-of-at-least-thirty-two-characters';
/** A service's environment as compose would hand it over, given the shell's variables. */
const environmentOf = (name: string, shell: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(env(name)).map(([key, value]) => [key, interpolate(String(value), shell)]));
const appEnvironment = (shell: Record<string, string>) => environmentOf('app', shell);

describe('docker-compose.yml', () => {
  it('runs two app replicas, EventStoreDB and Postgres', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['app', 'app-2', 'eventstore', 'postgres']);
  });

  it('the second replica is the same app on the same stores, published on another host port', () => {
    const shell = { VPS_INCIDENT_JWT_SECRET: secret };
    expect(environmentOf('app-2', shell)).toEqual(appEnvironment(shell));
    expect(service('app-2').build).toBe('.');
    expect(service('app-2').depends_on).toEqual(service('app').depends_on);
    expect(service('app').ports).toEqual(['3000:3000']);
    expect(service('app-2').ports).toEqual(['3001:3000']);
  });

  it('EventStoreDB runs as one insecure node without projections, with its gRPC/HTTP port and a health check', () => {
    expect(service('eventstore').image).toMatch(/^eventstore\/eventstore:\d+\.\d+/);
    expect(env('eventstore')).toMatchObject({
      EVENTSTORE_INSECURE: 'true',
      EVENTSTORE_RUN_PROJECTIONS: 'None',
      EVENTSTORE_ENABLE_ATOM_PUB_OVER_HTTP: 'true',
    });
    expect(containerPorts('eventstore')).toContain('2113');
    expect(healthcheck('eventstore')).toContain('http://localhost:2113/health/live');
  });

  it('Postgres 16 keeps its data in a named volume and reports ready through pg_isready', () => {
    expect(service('postgres').image).toBe('postgres:16');
    expect(env('postgres').POSTGRES_PASSWORD).toBeTruthy();
    expect(containerPorts('postgres')).toContain('5432');
    expect(healthcheck('postgres')).toContain('pg_isready');
    const dataVolume = (service('postgres').volumes ?? []).find((v) => v.endsWith(':/var/lib/postgresql/data'));
    expect(dataVolume).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(dataVolume?.split(':')[0]);
  });

  it('the app is built from the Dockerfile, serves port 3000 and checks /healthz', () => {
    expect(service('app').build).toBe('.');
    expect(containerPorts('app')).toContain('3000');
    expect(env('app').PORT).toBe('3000');
    expect(env('app').HOST).toBe('0.0.0.0');
    expect(healthcheck('app')).toContain('http://127.0.0.1:3000/healthz');
  });

  it('the app starts only once both stores are healthy', () => {
    expect(service('app').depends_on).toEqual({
      eventstore: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
    });
  });

  it('the app keeps events in the eventstore service and read models in the postgres service', () => {
    const app = appEnvironment({ VPS_INCIDENT_JWT_SECRET: secret });
    expect(app.EVENT_STORE).toBe('eventstoredb');
    const esdb = new URL(app.EVENTSTORE_CONNECTION_STRING ?? '');
    expect([esdb.protocol, esdb.hostname, esdb.port, esdb.searchParams.get('tls')]).toEqual(['esdb:', 'eventstore', '2113', 'false']);
    const database = new URL(app.DATABASE_URL ?? '');
    const postgres = environmentOf('postgres', {});
    expect([database.protocol, database.hostname, database.port]).toEqual(['postgres:', 'postgres', '5432']);
    expect(database.pathname).toBe(`/${postgres.POSTGRES_DB}`);
    expect([database.username, database.password]).toEqual([postgres.POSTGRES_USER, postgres.POSTGRES_PASSWORD]);
  });

  it('a password chosen in the shell reaches both Postgres and the app', () => {
    const shell = { VPS_INCIDENT_JWT_SECRET: secret, POSTGRES_PASSWORD: 'chosen-in-shell' };
    expect(new URL(appEnvironment(shell).DATABASE_URL ?? '').password).toBe('chosen-in-shell');
    expect(interpolate(env('postgres').POSTGRES_PASSWORD ?? '', shell)).toBe('chosen-in-shell');
  });

  it("the app's environment passes the service's own configuration in production", () => {
    const config = loadConfig(appEnvironment({ VPS_INCIDENT_JWT_SECRET: secret }));
    expect(config).toMatchObject({
      production: true,
      host: '0.0.0.0',
      port: 3000,
      eventStore: 'eventstoredb',
      eventStoreConnectionString: 'esdb://eventstore:2113?tls=false',
      jwtSecret: secret,
    });
    expect(config.databaseUrl).toMatch(/@postgres:5432\//);
  });

  it('refuses to start without VPS_INCIDENT_JWT_SECRET', () => {
    expect(() => appEnvironment({})).toThrow(/VPS_INCIDENT_JWT_SECRET/);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

  it('builds on node:20-slim with a clean install and the project build', () => {
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toBe('node:20-slim');
    expect(dockerfile).toMatch(/^RUN npm ci$/m);
    expect(dockerfile).toMatch(/^RUN npm run build\b/m);
  });

  it('starts the same built entry point as npm start runs', () => {
    const entry = /^node (?:--\S+ )*(\S+\.js)$/.exec(packageJson.scripts['start:production'] ?? '')?.[1];
    expect(entry).toBe('dist/src/main.js');
    expect(readFileSync(join(root, 'scripts', 'start.mjs'), 'utf8')).toContain("join(root, 'dist', 'src', 'main.js')");
    // The heap flags between node and the entry point are checked by test/operations/heapFlags.unit.test.ts.
    expect(dockerfile).toMatch(new RegExp(`^CMD \\["node", (?:"--[^"]+", )*"${entry}"\\]$`, 'm'));
  });

  it('does not send local dependencies, builds or data into the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', 'data', '.env']));
  });
});

const composeCommand = findCompose();
if (composeCommand === null) {
  console.log('docker-compose config check skipped: neither `docker-compose` nor `docker compose` is installed');
}

(composeCommand === null ? describe.skip : describe)('docker compose itself', () => {
  it('accepts the file', () => {
    const [command, ...prefix] = composeCommand ?? [];
    expect(() =>
      execFileSync(command ?? 'docker-compose', [...prefix, 'config', '-q'], {
        cwd: root,
        env: { ...process.env, VPS_INCIDENT_JWT_SECRET: secret },
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });
});

function findCompose(): string[] | null {
  for (const candidate of [['docker-compose'], ['docker', 'compose']]) {
    const [command, ...args] = candidate;
    try {
      execFileSync(command ?? '', [...args, 'version'], { stdio: 'ignore', timeout: 10_000 });
      return candidate;
    } catch {
      // not installed; try the next spelling
    }
  }
  return null;
}
