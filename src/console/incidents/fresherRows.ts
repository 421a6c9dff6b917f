/**
 * The live stream carries each incident as it stands after its event; the list is read from the read model,
 * which may not have taken that event in yet when the message prompts a reload. Without this, a reload that
 * races the projection shows the old row (an acknowledged incident still "Open") until the next message.
 * So the list remembers the newest version the stream has shown of each incident, and a loaded page takes
 * it in place of an older row, with the counts moved to match.
 */
import type { Incident, IncidentList } from '../api/types';
import { isOverdue } from '../ui/format';
import type { Filters } from './listFilters';

/** Enough for every row of a page; the oldest are forgotten first, and each once a page shows it caught up. */
const REMEMBERED = 500;

export class FresherRows {
  private readonly seen = new Map<string, Incident>();

  /** Remembers an incident from the stream, unless a newer version of it is already known. */
  saw(incident: Incident): void {
    const known = this.seen.get(incident.id);
    if (known !== undefined && known.version >= incident.version) return;
    this.seen.delete(incident.id);
    this.seen.set(incident.id, incident);
    if (this.seen.size > REMEMBERED) this.seen.delete(this.seen.keys().next().value as string);
  }

  /**
   * The page with every row the stream has seen newer replaced (or left out, once it no longer matches).
   * A page `loaded` from the server that has caught up with a remembered version lets it be forgotten; a page
   * already on screen may hold that version only because it was laid over it, so it proves nothing.
   */
  overlay(list: IncidentList, filters: Filters, nowMs: number, loaded: boolean): IncidentList {
    let changed = false;
    const counts = { ...list.counts };
    const incidents: Incident[] = [];
    for (const row of list.incidents) {
      const fresher = this.seen.get(row.id);
      if (fresher === undefined || fresher.version <= row.version) {
        if (fresher !== undefined && loaded) this.seen.delete(row.id);
        incidents.push(row);
        continue;
      }
      changed = true;
      // Counts are over every state, so the row moves between them whether or not it stays on the page.
      counts[row.state] -= 1;
      counts[fresher.state] += 1;
      counts.overdue += Number(isOverdue(fresher, nowMs)) - Number(isOverdue(row, nowMs));
      if (matchesChangeableFilters(fresher, filters)) incidents.push(fresher);
    }
    return changed ? { ...list, incidents, counts } : list;
  }
}

/** What an event can change about whether a row belongs on the page: its state and its assignee. */
function matchesChangeableFilters(incident: Incident, filters: Filters): boolean {
  if (filters.state !== 'all' ? incident.state !== filters.state : incident.state === 'closed' && !filters.includeClosed) return false;
  const assignee = filters.assigneeUserId.trim();
  return assignee === '' || incident.assigneeUserId === assignee;
}
