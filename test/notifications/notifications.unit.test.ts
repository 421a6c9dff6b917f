/** The pure parts of notifications: signing (checked by the reference verifier), routing, kinds, retries, Slack text. */
import { Webhook } from 'standardwebhooks';
import { parseConfigFile } from '../../src/config/configFile';
import { emptyPostmortem, initialState, type IncidentState } from '../../src/incidents/incident';
import { slackBody } from '../../src/notifications/messages';
import { notificationKindOf } from '../../src/notifications/notification';
import { judge, nextDelaySeconds, parseRetryAfter } from '../../src/notifications/retryPolicy';
import { channelsFor } from '../../src/notifications/routing';
import { signWebhook } from '../../src/notifications/signing';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('signing', () => {
  test('our signature is accepted by the standardwebhooks reference verifier', () => {
    const body = JSON.stringify({ type: 'incident.opened', timestamp: '2026-11-26T14:00:00.000Z', data: { note: 'ünïcode ✓' } });
    const headers = signWebhook(SECRET, 'msg_1', new Date(), body);
    expect(new Webhook(SECRET).verify(body, headers)).toMatchObject({ type: 'incident.opened' });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  test('a changed body, id or timestamp no longer verifies', () => {
    const headers = signWebhook(SECRET, 'msg_1', new Date(), '{"a":1}');
    const verifier = new Webhook(SECRET);
    expect(() => verifier.verify('{"a":2}', headers)).toThrow();
    expect(() => verifier.verify('{"a":1}', { ...headers, 'webhook-id': 'msg_2' })).toThrow();
    expect(() => verifier.verify('{"a":1}', { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) + 1) })).toThrow();
  });
});

describe('routing', () => {
  const { routes } = parseConfigFile(
    `channels:
  - { name: team, kind: webhook, url: "https://a.example/x", secret: "${SECRET}" }
  - { name: manager, kind: webhook, url: "https://b.example/x", secret: "${SECRET}" }
  - { name: chat, kind: slack, url: "https://hooks.slack.com/services/T/B/X" }
routes:
  - { channels: [team, chat], events: [opened, escalated], severity: [critical, high], minEscalationCount: 1 }
  - { channels: [manager, chat], events: [escalated], severity: [critical], minEscalationCount: 3 }
`,
    {},
  );

  test('level 1 and 2 escalations page the team; from level 3 the manager too, each channel once', () => {
    expect(channelsFor('escalated', { severity: 'critical', escalationCount: 2 }, routes)).toEqual(['team', 'chat']);
    expect(channelsFor('escalated', { severity: 'critical', escalationCount: 3 }, routes)).toEqual(['team', 'chat', 'manager']);
  });

  test('a severity or kind no route names goes nowhere', () => {
    expect(channelsFor('opened', { severity: 'medium', escalationCount: 0 }, routes)).toEqual([]);
    expect(channelsFor('resolved', { severity: 'critical', escalationCount: 0 }, routes)).toEqual([]);
    expect(channelsFor('opened', { severity: 'high', escalationCount: 0 }, routes)).toEqual(['team', 'chat']);
  });
});

describe('which events are notifications', () => {
  const resolved = { state: 'resolved', postmortem: emptyPostmortem } as unknown as IncidentState;
  const published = { state: 'resolved', postmortem: { ...emptyPostmortem, status: 'published' } } as unknown as IncidentState;

  test('lifecycle events map to their kinds; notes, steps and alerts are not notifications', () => {
    expect(notificationKindOf({ type: 'IncidentOpened', data: {} }, initialState)).toBe('opened');
    expect(notificationKindOf({ type: 'IncidentEscalated', data: {} }, resolved)).toBe('escalated');
    expect(notificationKindOf({ type: 'IncidentNoteAdded', data: {} }, resolved)).toBeUndefined();
    expect(notificationKindOf({ type: 'WorkflowStepExecuted', data: {} }, resolved)).toBeUndefined();
    expect(notificationKindOf({ type: 'AlertsReceived', data: {} }, resolved)).toBeUndefined();
  });

  test('a postmortem update is a notification only when it publishes', () => {
    expect(notificationKindOf({ type: 'PostmortemUpdated', data: { status: 'published' } }, resolved)).toBe('postmortem_published');
    expect(notificationKindOf({ type: 'PostmortemUpdated', data: { status: 'draft' } }, resolved)).toBeUndefined();
    expect(notificationKindOf({ type: 'PostmortemUpdated', data: { status: 'published' } }, published)).toBeUndefined();
  });
});

describe('retries', () => {
  const now = new Date('2026-11-26T14:00:00.000Z');
  const answered = (status: number, retryAfter: string | null = null) => ({ answered: true as const, status, retryAfter, latencyMs: 1 });

  test.each([
    [200, 'delivered'], [204, 'delivered'], [408, 'retry'], [429, 'retry'], [500, 'retry'], [503, 'retry'],
    [410, 'gone'], [400, 'failed'], [404, 'failed'], [301, 'failed'], [307, 'failed'],
  ])('HTTP %i is %s', (status, outcome) => {
    expect(judge(answered(status), now).outcome).toBe(outcome);
  });

  test('a network error or timeout is retried', () => {
    expect(judge({ answered: false, error: 'timed out after 10 s', latencyMs: 10_000 }, now)).toMatchObject({ outcome: 'retry', error: 'timed out after 10 s' });
  });

  test('Retry-After is read on 429 and 503 only, as seconds or an HTTP date', () => {
    expect(judge(answered(429, '120'), now)).toMatchObject({ retryAfterSeconds: 120 });
    expect(judge(answered(503, 'Thu, 26 Nov 2026 14:01:00 GMT'), now)).toMatchObject({ retryAfterSeconds: 60 });
    expect(judge(answered(500, '120'), now)).toMatchObject({ retryAfterSeconds: null });
    expect(parseRetryAfter('soon', now)).toBeNull();
  });

  test('the schedule is followed with ±10% jitter, a longer Retry-After wins, and it ends', () => {
    const schedule = [5, 300];
    expect(nextDelaySeconds(schedule, 0, null, () => 0)).toBeCloseTo(4.5);
    expect(nextDelaySeconds(schedule, 0, null, () => 1)).toBeCloseTo(5.5);
    expect(nextDelaySeconds(schedule, 0, 60, () => 0.5)).toBe(60);
    expect(nextDelaySeconds(schedule, 1, 60, () => 0.5)).toBeCloseTo(300);
    expect(nextDelaySeconds(schedule, 2, 60)).toBeNull();
  });
});

test('a Slack message cannot be turned into a link or mention by the incident title', () => {
  const body = JSON.parse(
    slackBody({
      kind: 'opened',
      incident: { id: 'i', title: 'x', severity: 'high', state: 'open', hostId: '<!channel>', escalationCount: 0, assigneeEmail: null, assigneeUserId: null } as never,
      event: { id: 'e', type: 'IncidentOpened', at: '2026-11-26T14:00:00.000Z', actor: { system: 'integration:prometheus' }, data: {}, revision: 0 },
      url: 'https://incidents.example.com/admin#/incidents/i',
    }),
  );
  expect(JSON.stringify(body.blocks[1])).toContain('&lt;!channel&gt;');
});
