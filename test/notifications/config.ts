/** The configuration file the notification tests run with: written to a temp file for VPS_INCIDENT_CONFIG. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newSecret } from './receiver';

export const SLACK_PATH = '/services/T0001/B0001/slack-path-secret-xyz';

export type Channels = Readonly<{ team: string; manager: string; fragile: string }>;

/**
 * team: every kind, critical and high · manager: escalations of critical incidents from level 2 ·
 * chat (Slack): opened, escalated and resolved of critical and high · fragile: medium incidents only.
 */
export function writeNotificationConfig(receiverUrl: string, settings: { retrySchedule: number[]; timeoutSeconds: number }) {
  const secrets: Channels = { team: newSecret(), manager: newSecret(), fragile: newSecret() };
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'notify-config-')), 'incident-engine.yaml');
  writeFileSync(
    file,
    `channels:
  - { name: team, kind: webhook, url: "${receiverUrl}/team", secret: "${secrets.team}" }
  - { name: manager, kind: webhook, url: "${receiverUrl}/manager", secret: "${secrets.manager}" }
  - { name: fragile, kind: webhook, url: "${receiverUrl}/fragile", secret: "${secrets.fragile}" }
  - { name: chat, kind: slack, url: "${receiverUrl}${SLACK_PATH}" }
routes:
  - { channels: [team], severity: [critical, high] }
  - { channels: [manager], events: [escalated], severity: [critical], minEscalationCount: 2 }
  - { channels: [chat], events: [opened, escalated, resolved], severity: [critical, high] }
  - { channels: [fragile], severity: [medium] }
notifications:
  retrySchedule: ${JSON.stringify(settings.retrySchedule)}
  timeoutSeconds: ${settings.timeoutSeconds}
`,
  );
  const receiverSecrets = { '/team': secrets.team, '/manager': secrets.manager, '/fragile': secrets.fragile };
  return { file, secrets, receiverSecrets };
}
