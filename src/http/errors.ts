/** The one error middleware: every failure leaves as RFC 9457 problem details, and a 500 leaks nothing. */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { StoreUnavailable } from '../eventstore/eventStore';
import { ConcurrencyConflict, IdempotencyKeyReused, PreconditionFailed } from '../incidents/commandHandler.errors';
import { IncidentNotFound, InvalidTransition, NotDue, PostmortemIncomplete } from '../incidents/incident.errors';
import { InvalidCursor } from '../readmodel/readmodel.errors';
import { StepInputInvalid, StepNotApiSafe, StepTargetNotAllowed, UnknownStep } from '../workflow';
import { Problem } from './problem';

export function toProblem(error: unknown): Problem | undefined {
  if (error instanceof Problem) return error;
  if (error instanceof InvalidTransition || error instanceof NotDue) {
    return new Problem('invalid_transition', error.message, undefined, 'currentState' in error ? { currentState: error.currentState } : undefined);
  }
  if (error instanceof IncidentNotFound) return new Problem('not_found', 'no incident has this id');
  if (error instanceof PostmortemIncomplete) {
    return new Problem('validation_failed', error.message, error.missingFields.map((path) => ({ path, message: 'required to publish' })));
  }
  if (error instanceof PreconditionFailed) {
    return new Problem('precondition_failed', error.message, undefined, { currentVersion: error.actualVersion });
  }
  if (error instanceof IdempotencyKeyReused) return new Problem('idempotency_key_reused', error.message);
  if (error instanceof ConcurrencyConflict) return new Problem('concurrency_conflict', error.message);
  if (error instanceof UnknownStep) return new Problem('validation_failed', error.message, [{ path: 'stepKey', message: 'unknown step' }]);
  if (error instanceof StepNotApiSafe) return new Problem('step_not_api_safe', error.message);
  if (error instanceof StepInputInvalid) return new Problem('validation_failed', error.message, error.issues);
  if (error instanceof StepTargetNotAllowed) return new Problem('step_target_not_allowed', error.message);
  if (error instanceof InvalidCursor) return new Problem('validation_failed', error.message, [{ path: 'cursor', message: error.message }]);
  if (error instanceof StoreUnavailable) return new Problem('unavailable', 'a store is unavailable; try again shortly');
  const bodyParserType = (error as { type?: unknown } | null)?.type;
  if (bodyParserType === 'entity.too.large') return new Problem('payload_too_large', 'request bodies are limited to 64 KiB');
  if (bodyParserType === 'entity.parse.failed') {
    return new Problem('validation_failed', 'the body is not valid JSON', [{ path: '(body)', message: 'malformed JSON' }]);
  }
  if (typeof bodyParserType === 'string' && (bodyParserType.startsWith('encoding.') || bodyParserType === 'charset.unsupported')) {
    return new Problem('validation_failed', 'unsupported body encoding', [{ path: '(body)', message: 'unsupported encoding' }]);
  }
  // express and its parsers signal a bad request (a malformed %-escape, a body in a bogus encoding…) with a 4xx status.
  const status = (error as { status?: unknown; statusCode?: unknown } | null)?.status ?? (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 404) return new Problem('not_found', 'no such resource');
    if (status === 412) return new Problem('precondition_failed', 'the precondition does not hold');
    if (status === 413) return new Problem('payload_too_large', 'request bodies are limited to 64 KiB');
    return new Problem('validation_failed', 'the request is malformed', [{ path: '(request)', message: 'malformed request' }]);
  }
  return undefined;
}

export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const problem = toProblem(error) ?? new Problem('internal', 'something went wrong; the request id identifies it in the logs');
    if (problem.code === 'internal' || problem.code === 'unavailable') {
      logger.error({ err: error, requestId: req.requestId }, problem.code === 'internal' ? 'request failed' : 'store unavailable');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem.body(req.requestId)));
  };
}
