/**
 * What a channel is sent, computed once when the delivery is enqueued so that every attempt sends the same
 * bytes. A webhook gets the machine-readable body of the contract; Slack gets a message a person woken at
 * 3 a.m. can act on without opening anything: severity, title, state, host, escalation count, console link.
 */
import type { NotificationKind } from '../config/configFile';
import type { TimelineEntry } from '../incidents/commandHandler';
import type { IncidentResource } from '../incidents/incident';
import { notificationType } from './notification';

export type Notification = Readonly<{
  kind: NotificationKind;
  incident: IncidentResource;
  event: TimelineEntry;
  /** The incident in the console: `<public url>/admin#/incidents/<id>`. */
  url: string;
}>;

export function webhookBody(notification: Notification): string {
  const { kind, incident, event, url } = notification;
  return JSON.stringify({ type: notificationType(kind), timestamp: event.at, data: { incident, event, url } });
}

const HEADLINE: Readonly<Record<NotificationKind, string>> = {
  opened: 'Opened',
  assigned: 'Assigned',
  acknowledged: 'Acknowledged',
  escalated: 'Escalated',
  resolved: 'Resolved',
  closed: 'Closed',
  reopened: 'Reopened',
  postmortem_published: 'Postmortem published',
};

const SEVERITY_MARK: Readonly<Record<IncidentResource['severity'], string>> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
};

/** Slack mrkdwn treats &, < and > as markup; user text must not open a link or mention. */
const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackBody(notification: Notification): string {
  const { kind, incident, event, url } = notification;
  const severity = incident.severity.toUpperCase();
  const headline = kind === 'escalated' ? `${HEADLINE[kind]} (level ${incident.escalationCount})` : HEADLINE[kind];
  const who = 'userId' in event.actor ? (event.actor.email ?? event.actor.userId) : event.actor.system;
  const host = incident.hostId ?? 'no host';
  const text = `[${severity}] ${headline}: ${escape(incident.title)} (${incident.state}, ${escape(host)}, escalations ${incident.escalationCount}) ${url}`;
  const fields = [
    `*Severity*\n${SEVERITY_MARK[incident.severity]} ${severity}`,
    `*State*\n${incident.state}`,
    `*Host*\n${escape(host)}`,
    `*Escalations*\n${incident.escalationCount}`,
    `*Assignee*\n${escape(incident.assigneeEmail ?? incident.assigneeUserId ?? 'nobody')}`,
    `*By*\n${escape(who)}`,
  ];
  return JSON.stringify({
    text,
    blocks: [
      // Header blocks are plain text of at most 150 characters.
      { type: 'header', text: { type: 'plain_text', text: `${severity} · ${headline}: ${incident.title}`.slice(0, 150) } },
      { type: 'section', fields: fields.map((field) => ({ type: 'mrkdwn', text: field })) },
      { type: 'section', text: { type: 'mrkdwn', text: `<${url}|Open the incident in the console>` } },
    ],
  });
}
