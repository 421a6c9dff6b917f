/** Rule violations the decider throws; the HTTP layer maps each to problem details. */
import type { IncidentState } from './incident';

export abstract class DomainError extends Error {}

/** 409 invalid_transition: the command is not allowed from the incident's current state. */
export class InvalidTransition extends DomainError {
  constructor(readonly command: string, readonly currentState: IncidentState['state']) {
    super(`cannot ${command} an incident that is ${currentState === 'none' ? 'not opened' : currentState}`);
    this.name = 'InvalidTransition';
  }
}

/** 404 not_found: the incident's stream has no events. */
export class IncidentNotFound extends DomainError {
  constructor(readonly incidentId: string) {
    super(`incident ${incidentId} not found`);
    this.name = 'IncidentNotFound';
  }
}

/** 400 validation_failed: publishing a postmortem needs these fields filled. */
export class PostmortemIncomplete extends DomainError {
  constructor(readonly missingFields: readonly ('summary' | 'impact' | 'rootCause')[]) {
    super(`a published postmortem needs ${missingFields.join(', ')}`);
    this.name = 'PostmortemIncomplete';
  }
}

/** Escalation asked before the due time, or of an incident no longer open: the sweep skips it quietly. */
export class NotDue extends DomainError {
  constructor(readonly incidentId: string) {
    super(`incident ${incidentId} is not due for escalation`);
    this.name = 'NotDue';
  }
}

/**
 * Alerts for an incident that is no longer (or not yet) the current one of its alert group: resolved or
 * closed, or never opened while the group is not firing. Alert ingestion then claims a new incident or drops them.
 */
export class NotCurrent extends DomainError {
  constructor(readonly currentState: IncidentState['state']) {
    super(`the incident is ${currentState === 'none' ? 'not opened' : currentState}, not current for its alerts`);
    this.name = 'NotCurrent';
  }
}
