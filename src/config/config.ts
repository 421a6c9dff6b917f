/**
 * The service's whole configuration, parsed once from the environment (shared/API.md § Operations).
 * A bad value stops start-up with one line naming the variable and what it expects.
 */
import { z } from 'zod';
import type { TimerPolicy } from '../incidents/timerPolicy';
import { defaultTimerPolicy } from '../incidents/timerPolicy';
import { InvalidStepConfig, parseAllowHosts, parseWebhooks } from '../workflow';
import { DEFAULT_EMBEDDED_SHARED_BUFFERS_MB } from '../db/embeddedSettings';
import { ConfigFileError, loadConfigFile, type ConfigFile } from './configFile';

const minutes = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return fallback;
      const value = Number(raw);
      if (!/^\s*\d*\.?\d+\s*$/.test(raw) || !Number.isFinite(value) || value <= 0) {
        ctx.addIssue({ code: 'custom', message: `must be a positive number of minutes, got ${JSON.stringify(raw)}` });
        return z.NEVER;
      }
      return value;
    });

const integer = (fallback: number, min: number, max: number, unit: string) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return fallback;
      const value = Number(raw);
      if (!/^\s*\d+\s*$/.test(raw) || value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `must be ${unit} from ${min} to ${max}, got ${JSON.stringify(raw)}` });
        return z.NEVER;
      }
      return value;
    });

const hours = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return fallback;
      const value = Number(raw);
      if (!/^\s*\d*\.?\d+\s*$/.test(raw) || !Number.isFinite(value) || value <= 0 || value > 8_760) {
        ctx.addIssue({ code: 'custom', message: `must be a positive number of hours (at most 8760), got ${JSON.stringify(raw)}` });
        return z.NEVER;
      }
      return value;
    });

const optionalText = z
  .string()
  .optional()
  .transform((raw) => (raw === undefined || raw.trim() === '' ? undefined : raw.trim()));

const environmentSchema = z.object({
  NODE_ENV: optionalText,
  PORT: integer(3000, 0, 65535, 'a port number'),
  HOST: optionalText.transform((v) => v ?? '127.0.0.1'),
  DATABASE_URL: optionalText.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'must be a postgres:// URL',
  }),
  VPS_INCIDENT_DATA_DIR: optionalText.transform((v) => v ?? './data'),
  // PGlite's WebAssembly memory stops at 2 GiB, which the cache shares with everything else PostgreSQL holds.
  VPS_INCIDENT_EMBEDDED_SHARED_BUFFERS_MB: integer(DEFAULT_EMBEDDED_SHARED_BUFFERS_MB, 1, 1_024, 'a whole number of MiB'),
  EVENT_STORE: optionalText.pipe(z.enum(['postgres', 'eventstoredb'], { message: 'must be postgres or eventstoredb' }).optional()).transform((v) => v ?? 'postgres'),
  // The v6 client takes esdb:// and esdb+discover:// only; kurrentdb:// would pass here and fail later.
  EVENTSTORE_CONNECTION_STRING: optionalText.refine((v) => v === undefined || /^esdb(\+discover)?:\/\//.test(v), {
    message: 'must be an esdb:// or esdb+discover:// connection string (kurrentdb:// needs the KurrentDB client; KurrentDB servers accept esdb://)',
  }),
  EVENTSTORE_TIMEOUT_MS: integer(10_000, 100, 600_000, 'a whole number of milliseconds'),
  VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: integer(30, 0, 86_400, 'a whole number of seconds'),
  VPS_INCIDENT_ACK_MINUTES_CRITICAL: minutes(defaultTimerPolicy.critical.ackMinutes),
  VPS_INCIDENT_ACK_MINUTES_HIGH: minutes(defaultTimerPolicy.high.ackMinutes),
  VPS_INCIDENT_ACK_MINUTES_MEDIUM: minutes(defaultTimerPolicy.medium.ackMinutes),
  VPS_INCIDENT_ESCALATE_EVERY_MINUTES_CRITICAL: minutes(defaultTimerPolicy.critical.escalateEveryMinutes),
  VPS_INCIDENT_ESCALATE_EVERY_MINUTES_HIGH: minutes(defaultTimerPolicy.high.escalateEveryMinutes),
  VPS_INCIDENT_ESCALATE_EVERY_MINUTES_MEDIUM: minutes(defaultTimerPolicy.medium.escalateEveryMinutes),
  VPS_INCIDENT_ESCALATE_TOKEN: optionalText,
  VPS_INCIDENT_JWT_SECRET: optionalText.refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters',
  }),
  VPS_INCIDENT_JWKS_URL: optionalText.refine((v) => v === undefined || /^https?:\/\//.test(v), {
    message: 'must be an http(s) URL',
  }),
  VPS_INCIDENT_JWT_ISSUER: optionalText,
  VPS_INCIDENT_JWT_AUDIENCE: optionalText,
  VPS_INCIDENT_JWT_MAX_TTL_HOURS: hours(24),
  VPS_INCIDENT_AUTH_FAILURES_PER_MINUTE: integer(30, 1, 1_000_000, 'a whole number of failures'),
  VPS_INCIDENT_STEP_ALLOW_HOSTS: optionalText,
  VPS_INCIDENT_WEBHOOKS: optionalText,
  VPS_INCIDENT_CONFIG: optionalText,
  VPS_INCIDENT_SIGNING_KEY_FILE: optionalText,
  VPS_INCIDENT_PUBLIC_URL: optionalText.refine((v) => v === undefined || /^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(v), {
    message: 'must be an http(s) URL without query or fragment',
  }),
  LOG_LEVEL: optionalText.pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be a pino level' }).optional()),
});

export type Config = Readonly<{
  production: boolean;
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  /** The embedded store's page cache (PostgreSQL's shared_buffers), part of the service's own resident memory. */
  embeddedSharedBuffersMb: number;
  eventStore: 'postgres' | 'eventstoredb';
  eventStoreConnectionString: string | undefined;
  /** Every EventStoreDB call is given up after this long (503). */
  eventStoreTimeoutMs: number;
  sweepIntervalSeconds: number;
  timerPolicy: TimerPolicy;
  escalateToken: string | undefined;
  jwtSecret: string | undefined;
  jwksUrl: string | undefined;
  /** Checked against `iss` / `aud` when set. */
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
  /** Tokens meant to live longer are refused. */
  jwtMaxTtlHours: number;
  /** Failed authentications per client address and minute before 429 rate_limited. */
  authFailuresPerMinute: number;
  stepAllowHosts: readonly string[];
  webhooks: Readonly<Record<string, string>>;
  logLevel: string;
  /** PKCS#8 PEM Ed25519 key the events are signed with; unset: one generated once in the data dir. */
  signingKeyFile: string | undefined;
  /** The configuration file: integrations, notification channels and routes. */
  file: ConfigFile;
  /** Base of the console links in notifications, without a trailing slash. */
  publicUrl: string;
}>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws ConfigError whose message is one line per bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${String(issue.path[0])} ${issue.message}`);
    throw new ConfigError(lines.join('\n'));
  }
  const e = parsed.data;
  if (e.EVENT_STORE === 'eventstoredb' && e.EVENTSTORE_CONNECTION_STRING === undefined) {
    throw new ConfigError('EVENTSTORE_CONNECTION_STRING must be set when EVENT_STORE=eventstoredb');
  }
  const production = e.NODE_ENV === 'production';
  if (production && e.VPS_INCIDENT_JWT_SECRET === undefined && e.VPS_INCIDENT_JWKS_URL === undefined) {
    throw new ConfigError('VPS_INCIDENT_JWT_SECRET (or VPS_INCIDENT_JWKS_URL) must be set when NODE_ENV=production');
  }
  if (production && e.VPS_INCIDENT_ESCALATE_TOKEN !== undefined && e.VPS_INCIDENT_ESCALATE_TOKEN.length < 32) {
    throw new ConfigError('VPS_INCIDENT_ESCALATE_TOKEN must be at least 32 characters when NODE_ENV=production (e.g. openssl rand -base64 32)');
  }
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.VPS_INCIDENT_DATA_DIR,
    embeddedSharedBuffersMb: e.VPS_INCIDENT_EMBEDDED_SHARED_BUFFERS_MB,
    eventStore: e.EVENT_STORE,
    eventStoreConnectionString: e.EVENTSTORE_CONNECTION_STRING,
    eventStoreTimeoutMs: e.EVENTSTORE_TIMEOUT_MS,
    sweepIntervalSeconds: e.VPS_INCIDENT_SWEEP_INTERVAL_SECONDS,
    timerPolicy: {
      critical: { ackMinutes: e.VPS_INCIDENT_ACK_MINUTES_CRITICAL, escalateEveryMinutes: e.VPS_INCIDENT_ESCALATE_EVERY_MINUTES_CRITICAL },
      high: { ackMinutes: e.VPS_INCIDENT_ACK_MINUTES_HIGH, escalateEveryMinutes: e.VPS_INCIDENT_ESCALATE_EVERY_MINUTES_HIGH },
      medium: { ackMinutes: e.VPS_INCIDENT_ACK_MINUTES_MEDIUM, escalateEveryMinutes: e.VPS_INCIDENT_ESCALATE_EVERY_MINUTES_MEDIUM },
    },
    escalateToken: e.VPS_INCIDENT_ESCALATE_TOKEN,
    jwtSecret: e.VPS_INCIDENT_JWT_SECRET,
    jwksUrl: e.VPS_INCIDENT_JWKS_URL,
    jwtIssuer: e.VPS_INCIDENT_JWT_ISSUER,
    jwtAudience: e.VPS_INCIDENT_JWT_AUDIENCE,
    jwtMaxTtlHours: e.VPS_INCIDENT_JWT_MAX_TTL_HOURS,
    authFailuresPerMinute: e.VPS_INCIDENT_AUTH_FAILURES_PER_MINUTE,
    stepAllowHosts: stepSetting(() => parseAllowHosts(e.VPS_INCIDENT_STEP_ALLOW_HOSTS)),
    webhooks: stepSetting(() => parseWebhooks(e.VPS_INCIDENT_WEBHOOKS)),
    logLevel: e.LOG_LEVEL ?? 'info',
    signingKeyFile: e.VPS_INCIDENT_SIGNING_KEY_FILE,
    file: configFile(() => loadConfigFile(e.VPS_INCIDENT_CONFIG, env)),
    publicUrl: (e.VPS_INCIDENT_PUBLIC_URL ?? `http://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}`).replace(/\/+$/, ''),
  };
}

/** The workflow capability owns the formats of its variables; a bad one stops start-up like any other. */
function stepSetting<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InvalidStepConfig) throw new ConfigError(error.message);
    throw error;
  }
}

function configFile(load: () => ConfigFile): ConfigFile {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigFileError) throw new ConfigError(`VPS_INCIDENT_CONFIG ${error.message}`);
    throw error;
  }
}
