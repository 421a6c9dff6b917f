/**
 * /api/ops/incidents: the list, create and sweep, the detail (folded from the stream), every lifecycle
 * action, and the auditors' raw stream. Routers stay thin: parse, call the command side or a query, shape.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { foldRecorded, fromRecorded, type CommandContext } from '../../incidents/commandHandler';
import type { IncidentCommand } from '../../incidents/incident.commands';
import { streamIdOf, type Severity } from '../../incidents/incident.events';
import { toResource, type Incident } from '../../incidents/incident';
import { nameBasedUuid } from '../../incidents/deterministicId';
import { findWorkflow, findStep, StepNotApiSafe, UnknownStep } from '../../workflow';
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
    const build = await commandFor(action, deps, incidentId);
    let outcomeLabel = 'ok';
    try {
      const outcome = await deps.commands.handle(incidentId, build, context);
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

/** Maps an API action to a command factory; a step runs here (I/O stays outside the decider) before its result is recorded. */
async function commandFor(action: IncidentAction, deps: AppDependencies, incidentId: string): Promise<(m: Metadata) => IncidentCommand> {
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
    case 'step': {
      const step = findStep(action.stepKey);
      if (step === undefined) throw new UnknownStep(action.stepKey);
      if (!step.apiSafe) throw new StepNotApiSafe(action.stepKey);
      // Run nothing against the network for an incident that does not exist.
      const existing = await deps.eventStore.readStream(streamIdOf(incidentId), { toRevision: 0 });
      if (existing.length === 0) throw new Problem('not_found', 'no incident has this id');
      const result = await deps.steps.run(action.stepKey, action.input);
      return (metadata) => ({ type: 'RecordStepExecution', data: { stepKey: action.stepKey, input: action.input ?? null, result }, metadata });
    }
  }
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
