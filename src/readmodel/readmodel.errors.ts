/** A list cursor that this service did not hand out (or that was altered); the HTTP layer answers 400 naming `cursor`. */
export class InvalidCursor extends Error {
  readonly path = 'cursor';
  constructor(message = 'cursor is not one this service handed out') {
    super(message);
    this.name = 'InvalidCursor';
  }
}

/** A projection did not reach a position in the time allowed. */
export class CatchUpTimedOut extends Error {
  constructor(
    readonly projection: string,
    readonly position: string,
    readonly reached: string,
  ) {
    super(`projection ${projection} did not reach ${position} in time (at ${reached || 'start'})`);
    this.name = 'CatchUpTimedOut';
  }
}
