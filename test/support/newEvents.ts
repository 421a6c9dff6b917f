/** Events to append straight to a store in tests that are about the log, not the incidents in it. */
import { randomUUID } from 'node:crypto';
import type { NewEvent } from '../../src/eventstore/eventStore';

/** A note added by the system: the smallest event the projections accept. */
export const noteEvent = (): NewEvent => ({
  eventId: randomUUID(),
  type: 'IncidentNoteAdded',
  data: { body: 'checked' },
  metadata: { actor: { system: 'test' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 },
});
