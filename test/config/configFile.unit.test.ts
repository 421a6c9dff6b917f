/** The configuration file: one schema for integrations, channels and routes; a bad file names the place. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config';
import { ConfigFileError, loadConfigFile, parseConfigFile } from '../../src/config/configFile';

const TOKEN = 'a'.repeat(40);
const ROUTING_KEY = 'r'.repeat(32);
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const valid = `
integrations:
  - name: prometheus
    kind: alertmanager
    token: \${PROM_TOKEN}
    severity: { label: level, map: { page: critical }, default: medium }
    workflowId: disk-pressure
  - name: legacy-pager
    kind: events-v2
    token: ${ROUTING_KEY}
channels:
  - name: oncall
    kind: webhook
    url: https://hooks.example.com/incidents
    secret: ${SECRET}
  - name: managers
    kind: slack
    url: https://hooks.slack.com/services/T000/B000/XXXX
routes:
  - channels: [oncall]
    severity: [critical, high]
  - channels: [managers]
    events: [escalated]
    minEscalationCount: 3
notifications:
  retrySchedule: [1, 2]
  timeoutSeconds: 3
`;

const refusal = (text: string, env: NodeJS.ProcessEnv = { PROM_TOKEN: TOKEN }) => {
  try {
    parseConfigFile(text, env);
  } catch (error) {
    if (error instanceof ConfigFileError) return error.message;
    throw error;
  }
  return 'accepted';
};

describe('the configuration file', () => {
  it('given a complete file, then every value is typed, with defaults filled in', () => {
    const file = parseConfigFile(valid, { PROM_TOKEN: TOKEN });
    expect(file.integrations).toEqual([
      { name: 'prometheus', kind: 'alertmanager', token: TOKEN, severity: { label: 'level', map: { page: 'critical' }, default: 'medium' }, hostLabel: 'instance', workflowId: 'disk-pressure', autoResolve: true },
      {
        name: 'legacy-pager', kind: 'events-v2', token: ROUTING_KEY, hostLabel: 'instance', workflowId: null, autoResolve: true,
        severity: { label: 'severity', map: { critical: 'critical', error: 'high', warning: 'medium', info: 'medium' }, default: 'high' },
      },
    ]);
    expect(file.channels).toEqual([
      { name: 'oncall', kind: 'webhook', url: 'https://hooks.example.com/incidents', secret: SECRET },
      { name: 'managers', kind: 'slack', url: 'https://hooks.slack.com/services/T000/B000/XXXX', secret: null },
    ]);
    expect(file.routes[0]).toEqual({ channels: ['oncall'], events: expect.arrayContaining(['opened', 'postmortem_published']), severity: ['critical', 'high'], minEscalationCount: null });
    expect(file.routes[0]!.events).toHaveLength(8);
    expect(file.routes[1]).toEqual({ channels: ['managers'], events: ['escalated'], severity: ['critical', 'high', 'medium'], minEscalationCount: 3 });
    expect(file.notifications).toEqual({ retrySchedule: [1, 2], timeoutSeconds: 3 });
  });

  it('given an empty file, then nothing is configured and the default retry schedule applies', () => {
    expect(parseConfigFile('', {})).toMatchObject({ integrations: [], channels: [], routes: [], notifications: { retrySchedule: [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400], timeoutSeconds: 10 } });
  });

  it('given JSON, then it is read like YAML', () => {
    expect(parseConfigFile(JSON.stringify({ channels: [{ name: 'x', kind: 'slack', url: 'http://127.0.0.1:9/x' }] }), {}).channels).toHaveLength(1);
  });

  it.each([
    ['a channel url that is not http(s)', valid.replace('https://hooks.slack.com/services/T000/B000/XXXX', 'ftp://x'), 'channels[1].url: must be an http(s) URL'],
    ['an unset environment variable', valid, 'integrations[0].token: environment variable PROM_TOKEN is not set'],
    ['an unknown key', `${valid}\nextra: 1\n`, '(top level): Unrecognized key: "extra"'],
    ['a short integration token', valid.replace('${PROM_TOKEN}', 'short'), 'integrations[0].token: must be at least 32 characters'],
    ['a routing key that is not 32 characters', valid.replace(ROUTING_KEY, 'r'.repeat(40)), 'integrations[1].token: must be exactly 32 characters for events-v2 (it is the routing_key)'],
    ['a webhook without its secret', valid.replace(`    secret: ${SECRET}\n`, ''), 'channels[0].secret: is required for a webhook channel'],
    ['a route naming no channel', valid.replace('channels: [managers]', 'channels: [nobody]'), 'routes[1].channels[0]: names no channel (nobody)'],
    ['a name used twice', valid.replace('name: managers', 'name: oncall'), 'channels[1].name: is used twice (oncall)'],
    ['a bad name', valid.replace('name: prometheus', 'name: Prometheus!'), 'integrations[0].name: must match [a-z0-9][a-z0-9-]{0,62}'],
    ['an unknown workflow', valid.replace('workflowId: disk-pressure', 'workflowId: nope'), 'integrations[0].workflowId: must name a workflow of the catalog'],
    ['an unknown severity', valid.replace('default: medium', 'default: low'), 'integrations[0].severity.default: must be critical, high or medium'],
    ['an unknown event kind', valid.replace('events: [escalated]', 'events: [exploded]'), 'routes[1].events[0]: must be one of opened, assigned, acknowledged, escalated, resolved, closed, reopened, postmortem_published'],
  ])('given %s, then one line names the place', (_case, text, message) => {
    expect(refusal(text, _case === 'an unset environment variable' ? {} : { PROM_TOKEN: TOKEN })).toBe(message);
  });

  it('given text that is not YAML, then it says so', () => {
    expect(refusal('channels: [unclosed')).toMatch(/^configuration file: not valid YAML or JSON: /);
  });

  it('given no VPS_INCIDENT_CONFIG, then ./incident-engine.yaml is read if it exists, and nothing otherwise', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'incident-config-'));
    expect(loadConfigFile(undefined, {}, dir).path).toBeNull();
    writeFileSync(path.join(dir, 'incident-engine.yaml'), 'channels: [{ name: a, kind: slack, url: "http://127.0.0.1:9/" }]\n');
    expect(loadConfigFile(undefined, {}, dir).channels.map((c) => c.name)).toEqual(['a']);
  });

  it('given a bad file at start-up, then the service refuses to start with a configuration error naming the variable and place', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'incident-config-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, valid.replace('https://hooks.slack.com/services/T000/B000/XXXX', 'not a url'));
    expect(() => loadConfig({ VPS_INCIDENT_CONFIG: file, PROM_TOKEN: TOKEN })).toThrow(new ConfigError('VPS_INCIDENT_CONFIG channels[1].url: must be an http(s) URL'));
    expect(() => loadConfig({ VPS_INCIDENT_CONFIG: path.join(dir, 'missing.yaml') })).toThrow(/VPS_INCIDENT_CONFIG .*missing\.yaml: cannot be read \(ENOENT\)/);
  });

  it('the shipped example parses', () => {
    const example = readFileSync(path.join(__dirname, '..', '..', 'docs', 'incident-engine.example.yaml'), 'utf8');
    const valueOf = (name: string) => (name.endsWith('_SECRET') ? SECRET : name.endsWith('_URL') ? 'https://hooks.example.com/x' : 'x'.repeat(32));
    const variables = Object.fromEntries([...example.matchAll(/\$\{(\w+)\}/g)].map(([, name]) => [name!, valueOf(name!)]));
    const file = parseConfigFile(example, variables);
    expect(file.integrations.length + file.channels.length).toBeGreaterThan(0);
  });
});
