/**
 * Refusals of the step executor; the HTTP layer maps each to problem details.
 * A check that ran and found a problem is not an error: it is a `failed` StepResult.
 */

export type FieldIssue = Readonly<{ path: string; message: string }>;

export abstract class WorkflowError extends Error {}

/** 400 validation_failed: no step has this key. `issues` names the `stepKey` field. */
export class UnknownStep extends WorkflowError {
  readonly issues: readonly FieldIssue[];
  constructor(readonly stepKey: string) {
    super(`unknown step "${stepKey}"`);
    this.name = 'UnknownStep';
    this.issues = [{ path: 'stepKey', message: this.message }];
  }
}

/** 422 step_not_api_safe: the step acts on a host, so it is listed for operators but never run over the API. */
export class StepNotApiSafe extends WorkflowError {
  constructor(readonly stepKey: string) {
    super(`step "${stepKey}" is not API-safe: run it by hand and record the outcome with a note`);
    this.name = 'StepNotApiSafe';
  }
}

/** 400 validation_failed: the input fails the step's schema; paths start with `input.`. */
export class StepInputInvalid extends WorkflowError {
  constructor(readonly stepKey: string, readonly issues: readonly FieldIssue[]) {
    super(`invalid input for step "${stepKey}": ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'StepInputInvalid';
  }
}

/** 422 step_target_not_allowed: the network target is outside VPS_INCIDENT_STEP_ALLOW_HOSTS. */
export class StepTargetNotAllowed extends WorkflowError {
  constructor(readonly target: string, message: string) {
    super(message);
    this.name = 'StepTargetNotAllowed';
  }
}

/** A bad value in VPS_INCIDENT_STEP_ALLOW_HOSTS or VPS_INCIDENT_WEBHOOKS: start-up stops with this message. */
export class InvalidStepConfig extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`${variable}: ${detail}`);
    this.name = 'InvalidStepConfig';
  }
}
