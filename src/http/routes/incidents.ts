/**
 * /api/ops/incidents: the list, create and sweep, the detail (folded from the stream), every lifecycle
 * action, and the auditors' raw stream. Routers stay thin: parse, call the command side or a query, shape.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { foldRecorded, fromRecorded, type CommandContext, type CommandOutcome } from '../../incidents/commandHandler';
import { IdempotencyKeyReused, PreconditionFailed } from '../../incidents/commandHandler.errors';
import { StoreUnavailable } from '../../eventstore/eventStore';
import type { IncidentCommand } from '../../incidents/incident.commands';
import { streamIdOf, type Severity } from '../../incidents/incident.events';
import { toResource, type Incident } from '../../incidents/incident';
import { nameBasedUuid } from '../../incidents/deterministicId';
import { findWorkflow } from '../../workflow';
import { jsonBody } from '../body';
import { requireRole } from '../auth';
import type { AppDependencies } from '../dependencies';
import { matchedRoute } from '../requestContext';
import { expectedVersion, idempotencyKey, incidentIdParam, parseBody, parseQuery } from '../parse';
import { Problem } from '../problem';
import {
  createIncidentSchema,
  eventsQuery,
  incidentActionSchema,
  incidentDetailQuery,
  incidentsPostSchema,
  listIncidentsQuery,
  type IncidentAction,
} from '../schemas';

type Metadata = IncidentCommand['metadata'];

export function incidentRoutes(deps: AppDependencies): Router {
  const router = Router();
  const opsPlus = requireRole(deps.authenticator, 'ops+');
  const opsOrAuditor = requireRole(deps.authenticator, 'ops+ or auditor');

  router.get('/', matchedRoute, opsPlus, async (req, res) => {
    const query = parseQuery(listIncidentsQuery, req.query);
    const list = await deps.queries.list(
      {
        state: query.state,
        severity: query.severity as Severity[] | undefined,
        hostId: query.hostId,
        assigneeUserId: query.assigneeUserId,
        integration: query.integration,
        includeClosed: query.includeClosed ?? false,
        limit: query.limit ?? 50,
        cursor: query.cursor,
      },
      deps.clock.now(),
    );
    res.json(list);
  });

  router.post('/', matchedRoute, opsPlus, ...jsonBody, async (req, res) => {
    const body = parseBody(incidentsPostSchema, req.body);
    if (body.action === 'escalation-sweep') {
      const result = await deps.sweeper.sweep('api', req.requestId);
      res.json(result);
      return;
    }
    const create = parseBody(createIncidentSchema, req.body);
    if (create.workflowId != null && findWorkflow(create.workflowId) === undefined) {
      throw new Problem('validation_failed', `no workflow has id ${create.workflowId}`, [
        { path: 'workflowId', message: 'unknown workflow' },
      ]);
    }
    const context = commandContext(req);
    // With an Idempotency-Key the id is derived from it, so a retry (even after a crash) lands on the same stream.
    const incidentId = context.idempotencyKey !== undefined ? nameBasedUuid(`${actorIdOf(context)}\n${context.idempotencyKey}`) : randomUUID();
    const outcome = await deps.commands.handle(
      incidentId,
      (metadata: Metadata) => ({
        type: 'OpenIncident',
        data: {
          incidentId,
          title: create.title,
          severity: create.severity,
          description: create.description ?? null,
          hostId: create.hostId ?? null,
          workflowId: create.workflowId ?? null,
          assigneeUserId: create.assigneeUserId ?? null,
          assigneeEmail: create.assigneeEmail ?? null,
        },
        metadata,
      }),
      context,
      { freshStream: context.idempotencyKey === undefined },
    );
    deps.metrics.commands.inc({ type: 'OpenIncident', outcome: 'ok' });
    res.status(201).location(`/api/ops/incidents/${incidentId}`).setHeader('ETag', `"${outcome.incident.version}"`);
    res.json({ incident: toResource(outcome.incident), events: outcome.events });
  });

  router.get('/:incidentId', matchedRoute, opsOrAuditor, async (req, res) => {
    const incidentId = incidentIdParam(req.params.incidentId);
    const query = parseQuery(incidentDetailQuery, req.query);
    const recorded = await deps.eventStore.readStream(streamIdOf(incidentId));
    const asOf = query.asOf !== undefined ? Date.parse(query.asOf) : undefined;
    const visible = recorded.filter(
      (event) =>
        (query.revision === undefined || event.revision <= query.revision) &&
        (asOf === undefined || Date.parse(event.metadata.occurredAt ?? event.recordedAt.toISOString()) <= asOf),
    );
    const state = foldRecorded(visible);
    if (state.state === 'none') throw new Problem('not_found', 'no incident has this id (at that point in time)');
    res.setHeader('ETag', `"${state.version}"`);
    res.json({ incident: toResource(state), timeline: visible.map(fromRecorded), workflow: workflowView(state) });
  });

  router.get('/:incidentId/events', matchedRoute, opsOrAuditor, async (req, res) => {
    const incidentId = incidentIdParam(req.params.incidentId);
    const query = parseQuery(eventsQuery, req.query);
    const streamId = streamIdOf(incidentId);
    const recorded = await deps.eventStore.readStream(streamId, { fromRevision: query.fromRevision ?? 0 });
    // Past the end of an existing stream is an empty page; a stream that does not exist is 404 whatever the offset.
    const exists = recorded.length > 0 || (await deps.eventStore.readStream(streamId, { toRevision: 0 })).length > 0;
    if (!exists) throw new Problem('not_found', 'no incident has this id');
    res.json({
      streamId,
      events: recorded.map((e) => ({
        eventId: e.eventId,
        type: e.type,
        revision: e.revision,
        globalPosition: e.globalPosition,
        recordedAt: e.recordedAt.toISOString(),
        data: e.data,
        metadata: e.metadata,
      })),
    });
  });

  router.post('/:incidentId', matchedRoute, opsPlus, ...jsonBody, async (req, res) => {
    const incidentId = incidentIdParam(req.params.incidentId);
    const action = parseBody(incidentActionSchema, req.body);
    const context = commandContext(req);
    let outcomeLabel = 'ok';
    try {
      const outcome =
        action.action === 'step'
          ? await runAndRecordStep(action, deps, incidentId, context)
          : await deps.commands.handle(incidentId, commandFor(action), context);
      res.setHeader('ETag', `"${outcome.incident.version}"`);
      res.json({ incident: toResource(outcome.incident), events: outcome.events });
    } catch (error) {
      outcomeLabel = error instanceof Error ? error.name : 'error';
      throw error;
    } finally {
      deps.metrics.commands.inc({ type: action.action, outcome: outcomeLabel });
    }
  });

  return router;
}

/** The automation endpoint: the escalation token (checked by the caller's middleware) or an ops+ token. */
export function escalateRoute(deps: AppDependencies) {
  const opsPlus = requireRole(deps.authenticator, 'ops+');
  return [
    async (req: Request, res: import('express').Response, next: import('express').NextFunction) => {
      if (req.system !== undefined) {
        next();
        return;
      }
      await opsPlus(req, res, next);
    },
    async (req: Request, res: import('express').Response) => {
      const result = await deps.sweeper.sweep(req.system !== undefined ? 'token' : 'api', req.requestId);
      res.json(result);
    },
  ];
}

function commandContext(req: Request): CommandContext & { idempotencyKey?: string } {
  const principal = req.principal!;
  const key = idempotencyKey(req.header('idempotency-key'));
  const version = expectedVersion(req.header('if-match'));
  return {
    actor: { userId: principal.userId, email: principal.email, role: principal.role },
    requestId: req.requestId,
    correlationId: req.header('x-correlation-id')?.slice(0, 200) ?? req.requestId,
    causationId: req.requestId,
    ...(key !== undefined ? { idempotencyKey: key, requestHash: requestHash(req) } : {}),
    ...(version !== undefined ? { expectedVersion: version } : {}),
  };
}

function actorIdOf(context: CommandContext): string {
  return 'userId' in context.actor ? context.actor.userId : context.actor.system;
}

function requestHash(req: Request): string {
  return createHash('sha256').update(`${req.method} ${req.path}\n${JSON.stringify(req.body ?? null)}`).digest('hex');
}

type StepAction = Extract<IncidentAction, { action: 'step' }>;

/** Maps an API action (other than a step, which does I/O first) to a command factory. */
function commandFor(action: Exclude<IncidentAction, StepAction>): (m: Metadata) => IncidentCommand {
  switch (action.action) {
    case 'assign':
      return (metadata) => ({
        type: 'AssignIncident',
        data: { assigneeUserId: action.assigneeUserId, assigneeEmail: action.assigneeUserId === null ? null : (action.assigneeEmail ?? null) },
        metadata,
      });
    case 'acknowledge':
      return (metadata) => ({ type: 'AcknowledgeIncident', data: {}, metadata });
    case 'resolve':
      return (metadata) => ({ type: 'ResolveIncident', data: { resolution: action.resolution ?? null }, metadata });
    case 'close':
      return (metadata) => ({ type: 'CloseIncident', data: {}, metadata });
    case 'reopen':
      return (metadata) => ({ type: 'ReopenIncident', data: { reason: action.reason ?? null }, metadata });
    case 'note': {
      const noteId = randomUUID();
      return (metadata) => ({ type: 'AddNote', data: { noteId, body: action.body }, metadata });
    }
    case 'postmortem': {
      const { action: _action, actionItems, ...fields } = action;
      const items = actionItems?.map((item) => ({ id: item.id ?? randomUUID(), text: item.text, owner: item.owner ?? null, done: item.done ?? false }));
      return (metadata) => ({ type: 'UpdatePostmortem', data: { ...fields, ...(items !== undefined ? { actionItems: items } : {}) }, metadata });
    }
  }
}

const RECORD_ATTEMPTS = 5;
const RECORD_RETRY_MS = 300;

/**
 * A step's network side effect cannot be taken back (a webhook pages people), so everything that can
 * refuse the request is checked before it runs: the step and its input (roles and the body schema were
 * checked by then), the incident's existence, If-Match, an Idempotency-Key already used. Once it has run,
 * its result is recorded whatever landed meanwhile: a step result holds in every state of an incident, so
 * it appends at any revision (If-Match was honoured before the run), and an unreachable store is retried.
 */
async function runAndRecordStep(action: StepAction, deps: AppDependencies, incidentId: string, context: CommandContext): Promise<CommandOutcome> {
  const run = deps.steps.prepare(action.stepKey, action.input);
  const replay = await checkBeforeStep(deps, incidentId, context);
  if (replay !== undefined) return replay;
  const result = await run();
  const { expectedVersion: _checkedBeforeTheRun, ...recordContext } = context;
  const build = (metadata: Metadata): IncidentCommand => ({
    type: 'RecordStepExecution',
    data: { stepKey: action.stepKey, input: action.input ?? null, result },
    metadata,
  });
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.commands.handle(incidentId, build, recordContext);
    } catch (error) {
      if (!(error instanceof StoreUnavailable) || attempt >= RECORD_ATTEMPTS) {
        deps.logger.error({ err: error, incidentId, requestId: context.requestId, stepResult: result }, 'a step ran but its result could not be recorded');
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, RECORD_RETRY_MS * attempt));
    }
  }
}

/** 404, 412 or 422 before a step runs; the first outcome when this Idempotency-Key already recorded the step. */
async function checkBeforeStep(deps: AppDependencies, incidentId: string, context: CommandContext): Promise<CommandOutcome | undefined> {
  const needsWholeStream = context.expectedVersion !== undefined || context.idempotencyKey !== undefined;
  const recorded = await deps.eventStore.readStream(streamIdOf(incidentId), needsWholeStream ? {} : { toRevision: 0 });
  if (recorded.length === 0) throw new Problem('not_found', 'no incident has this id');
  if (!needsWholeStream) return undefined;
  const version = recorded.length - 1;
  if (context.expectedVersion !== undefined && context.expectedVersion !== version) throw new PreconditionFailed(context.expectedVersion, version);
  const earlier = recorded.filter((event) => event.metadata.idempotencyKey === context.idempotencyKey);
  if (context.idempotencyKey === undefined || earlier.length === 0) return undefined;
  if (earlier[0]!.metadata.requestHash !== context.requestHash) throw new IdempotencyKeyReused(context.idempotencyKey);
  return { incident: foldRecorded(recorded) as Incident, events: earlier.map(fromRecorded) };
}

function workflowView(incident: Incident) {
  if (incident.workflowId === null) return null;
  const workflow = findWorkflow(incident.workflowId);
  if (workflow === undefined) return null;
  return {
    id: workflow.id,
    steps: workflow.steps.map((step) => ({ key: step.key, lastRun: incident.lastStepRuns[step.key] ?? null })),
  };
}
