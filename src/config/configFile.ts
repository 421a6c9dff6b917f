/**
 * The configuration file (`VPS_INCIDENT_CONFIG`, YAML or JSON): the integrations that open incidents from
 * alerts, and the channels and routes that notifications go out on. One schema for the whole file, so the
 * alert and notification capabilities read typed values and never parse YAML themselves.
 *
 * `${NAME}` in any string is replaced by the environment variable NAME before validation, so secrets can
 * stay out of the file. A bad file stops start-up with one line naming the place: `channels[1].url: …`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { findWorkflow } from '../workflow';

const SEVERITIES = ['critical', 'high', 'medium'] as const;
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const name = z.string().regex(NAME, { message: 'must match [a-z0-9][a-z0-9-]{0,62}' });
const severity = z.enum(SEVERITIES, { message: 'must be critical, high or medium' });
const httpUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { message: 'must be an http(s) URL' },
);

/** The kinds of incident event that are notifications (shared/API.md § Notifications). */
export const NOTIFICATION_KINDS = ['opened', 'assigned', 'acknowledged', 'escalated', 'resolved', 'closed', 'reopened', 'postmortem_published'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

const severityMapping = z
  .object({
    label: z.string().min(1).optional(),
    map: z.record(z.string(), severity).optional(),
    default: severity.optional(),
  })
  .strict();

const integrationSchema = z
  .object({
    name,
    kind: z.enum(['alertmanager', 'events-v2'], { message: 'must be alertmanager or events-v2' }),
    token: z.string().min(32, { message: 'must be at least 32 characters' }),
    severity: severityMapping.optional(),
    hostLabel: z.string().min(1).optional(),
    workflowId: z
      .string()
      .refine((id) => findWorkflow(id) !== undefined, { message: 'must name a workflow of the catalog' })
      .optional(),
    autoResolve: z.boolean().optional(),
  })
  .strict()
  .superRefine((integration, ctx) => {
    if (integration.kind === 'events-v2' && integration.token.length !== 32) {
      ctx.addIssue({ code: 'custom', path: ['token'], message: 'must be exactly 32 characters for events-v2 (it is the routing_key)' });
    }
    if (integration.kind === 'events-v2' && integration.severity?.label !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['severity', 'label'], message: 'is for alertmanager integrations only' });
    }
    if (integration.kind === 'events-v2' && integration.hostLabel !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['hostLabel'], message: 'is for alertmanager integrations only' });
    }
  });

const channelSchema = z
  .object({
    name,
    kind: z.enum(['webhook', 'slack'], { message: 'must be webhook or slack' }),
    url: httpUrl,
    secret: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, { message: 'must be a Standard Webhooks secret: whsec_ followed by base64' })
      .optional(),
  })
  .strict()
  .superRefine((channel, ctx) => {
    if (channel.kind === 'webhook' && channel.secret === undefined) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: 'is required for a webhook channel' });
    }
    if (channel.kind === 'slack' && channel.secret !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: 'is for webhook channels only (Slack messages are unsigned)' });
    }
  });

const routeSchema = z
  .object({
    channels: z.array(name).min(1, { message: 'must name at least one channel' }),
    events: z.array(z.enum(NOTIFICATION_KINDS, { message: `must be one of ${NOTIFICATION_KINDS.join(', ')}` })).min(1).optional(),
    severity: z.array(severity).min(1).optional(),
    minEscalationCount: z.number().int().min(1).optional(),
  })
  .strict();

const DEFAULT_RETRY_SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400] as const;

const fileSchema = z
  .object({
    integrations: z.array(integrationSchema).optional(),
    channels: z.array(channelSchema).optional(),
    routes: z.array(routeSchema).optional(),
    notifications: z
      .object({
        retrySchedule: z.array(z.number().positive().max(7 * 86_400)).max(50).optional(),
        timeoutSeconds: z.number().positive().max(300).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((file, ctx) => {
    unique(file.integrations ?? [], 'integrations', ctx);
    unique(file.channels ?? [], 'channels', ctx);
    const channels = new Set((file.channels ?? []).map((c) => c.name));
    (file.routes ?? []).forEach((route, r) =>
      route.channels.forEach((channel, c) => {
        if (!channels.has(channel)) ctx.addIssue({ code: 'custom', path: ['routes', r, 'channels', c], message: `names no channel (${channel})` });
      }),
    );
  });

function unique(items: readonly { name: string }[], list: string, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.name)) ctx.addIssue({ code: 'custom', path: [list, i, 'name'], message: `is used twice (${item.name})` });
    seen.add(item.name);
  });
}

export type Severity = (typeof SEVERITIES)[number];

export type IntegrationConfig = Readonly<{
  name: string;
  kind: 'alertmanager' | 'events-v2';
  token: string;
  severity: Readonly<{ label: string; map: Readonly<Record<string, Severity>>; default: Severity }>;
  hostLabel: string;
  workflowId: string | null;
  autoResolve: boolean;
}>;

export type ChannelConfig = Readonly<{ name: string; kind: 'webhook' | 'slack'; url: string; secret: string | null }>;

export type RouteConfig = Readonly<{
  channels: readonly string[];
  events: readonly NotificationKind[];
  severity: readonly Severity[];
  minEscalationCount: number | null;
}>;

export type NotificationSettings = Readonly<{ retrySchedule: readonly number[]; timeoutSeconds: number }>;

export type ConfigFile = Readonly<{
  /** Where it was read from; null when there is no file. */
  path: string | null;
  integrations: readonly IntegrationConfig[];
  channels: readonly ChannelConfig[];
  routes: readonly RouteConfig[];
  notifications: NotificationSettings;
}>;

/** PagerDuty's severities, read when an events-v2 integration's map does not name the value. */
const EVENTS_V2_SEVERITY: Readonly<Record<string, Severity>> = { critical: 'critical', error: 'high', warning: 'medium', info: 'medium' };

export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
}

export const emptyConfigFile: ConfigFile = {
  path: null,
  integrations: [],
  channels: [],
  routes: [],
  notifications: { retrySchedule: DEFAULT_RETRY_SCHEDULE, timeoutSeconds: 10 },
};

/** `VPS_INCIDENT_CONFIG`, else `./incident-engine.yaml` if it exists, else no file. */
export function loadConfigFile(configuredPath: string | undefined, env: NodeJS.ProcessEnv, cwd: string = process.cwd()): ConfigFile {
  const file = configuredPath ?? (existsSync(path.join(cwd, 'incident-engine.yaml')) ? 'incident-engine.yaml' : undefined);
  if (file === undefined) return emptyConfigFile;
  const resolved = path.resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch (error) {
    throw new ConfigFileError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseConfigFile(text, env, resolved);
}

/** Parses the file's text (YAML, of which JSON is a subset); throws ConfigFileError naming the place. */
export function parseConfigFile(text: string, env: NodeJS.ProcessEnv, source: string | null = null): ConfigFile {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: false }) ?? {};
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigFileError(`${source ?? 'configuration file'}: not valid YAML or JSON: ${message}`);
  }
  const substituted = substitute(raw, env, []);
  const parsed = fileSchema.safeParse(substituted);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigFileError(`${placeOf(issue.path)}: ${issue.message}`);
  }
  const f = parsed.data;
  return {
    path: source,
    integrations: (f.integrations ?? []).map((i) => ({
      name: i.name,
      kind: i.kind,
      token: i.token,
      severity: {
        label: i.severity?.label ?? 'severity',
        map: i.kind === 'events-v2' ? { ...EVENTS_V2_SEVERITY, ...i.severity?.map } : { ...i.severity?.map },
        default: i.severity?.default ?? 'high',
      },
      hostLabel: i.hostLabel ?? 'instance',
      workflowId: i.workflowId ?? null,
      autoResolve: i.autoResolve ?? true,
    })),
    channels: (f.channels ?? []).map((c) => ({ name: c.name, kind: c.kind, url: c.url, secret: c.secret ?? null })),
    routes: (f.routes ?? []).map((r) => ({
      channels: r.channels,
      events: r.events ?? NOTIFICATION_KINDS,
      severity: r.severity ?? SEVERITIES,
      minEscalationCount: r.minEscalationCount ?? null,
    })),
    notifications: {
      retrySchedule: f.notifications?.retrySchedule ?? DEFAULT_RETRY_SCHEDULE,
      timeoutSeconds: f.notifications?.timeoutSeconds ?? 10,
    },
  };
}

/** Replaces `${NAME}` in every string; an unset variable is an error naming it and where it was used. */
function substitute(value: unknown, env: NodeJS.ProcessEnv, at: readonly PropertyKey[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, variable: string) => {
      const replacement = env[variable];
      if (replacement === undefined) throw new ConfigFileError(`${placeOf(at)}: environment variable ${variable} is not set`);
      return replacement;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substitute(item, env, [...at, i]));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, env, [...at, key])]));
  }
  return value;
}

/** `channels[1].url` from zod's path. */
function placeOf(at: readonly PropertyKey[]): string {
  if (at.length === 0) return '(top level)';
  return at.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`)).join('');
}
