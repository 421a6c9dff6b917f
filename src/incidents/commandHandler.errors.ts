/** Why the command handler refused to append, beyond the business rules. */

/** 412 precondition_failed: If-Match named a version the incident is no longer at. */
export class PreconditionFailed extends Error {
  constructor(readonly expectedVersion: number, readonly actualVersion: number) {
    super(`the incident is at version ${actualVersion}, not ${expectedVersion}`);
    this.name = 'PreconditionFailed';
  }
}

/** 422 idempotency_key_reused: the key was first used with a different request. */
export class IdempotencyKeyReused extends Error {
  constructor(readonly key: string) {
    super('this Idempotency-Key was already used with a different request');
    this.name = 'IdempotencyKeyReused';
  }
}

/** 409 concurrency_conflict: other writers kept winning the race for this incident. */
export class ConcurrencyConflict extends Error {
  constructor(readonly incidentId: string, readonly attempts: number) {
    super(`incident ${incidentId} changed concurrently ${attempts} times; try again`);
    this.name = 'ConcurrencyConflict';
  }
}
