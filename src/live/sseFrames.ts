/**
 * The text/event-stream wire format (WHATWG HTML § 9.2 "Server-sent events"). Each frame is written whole
 * in one write, so a keep-alive can never land in the middle of a message.
 */
import type { TimelineEntry } from '../incidents/commandHandler';
import type { IncidentResource } from '../incidents/incident';

/** How long a client waits before reconnecting after the stream ends. */
export const RECONNECT_MS = 2_000;

/** One message per incident event: the timeline entry and the incident as it stood right after it. */
export type LiveMessage = Readonly<{ incidentId: string; event: TimelineEntry; incident: IncidentResource }>;

export const retryFrame = `retry: ${RECONNECT_MS}\n\n`;

/** A comment line: ignored by clients, but it keeps proxies and load balancers from timing the stream out. */
export const keepAliveFrame = ': keep-alive\n\n';

/** `id` is the event's readAll cursor, so a client resuming with Last-Event-ID continues right after it. */
export function incidentFrame(position: string, message: LiveMessage): string {
  // JSON.stringify escapes CR and LF inside strings, so the data is a single line, as one `data:` field needs.
  return `id: ${position}\nevent: incident\ndata: ${JSON.stringify(message)}\n\n`;
}
