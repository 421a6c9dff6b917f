/**
 * The due set a page at a time, keyset after the last incident read (due time, then id), so a sweep over a
 * large backlog never holds it all in memory, and a page escalated meanwhile (its due time moved past `at`)
 * cannot push later incidents out of reach the way an offset would.
 */
import type { DueEscalation } from '../readmodel/incidentQueries';

export type DueIncidents = Readonly<{ dueForEscalation(now: Date, limit: number, after?: DueEscalation): Promise<DueEscalation[]> }>;

export async function* duePages(due: DueIncidents, at: Date, pageSize: number, max: number): AsyncGenerator<DueEscalation[]> {
  let last: DueEscalation | undefined;
  for (let seen = 0; seen < max; ) {
    const limit = Math.min(pageSize, max - seen);
    const page = await due.dueForEscalation(at, limit, last);
    if (page.length > 0) yield page;
    if (page.length < limit) return;
    seen += page.length;
    last = page.at(-1);
  }
}
