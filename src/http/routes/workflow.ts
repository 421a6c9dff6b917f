/** The workflow catalog and standalone execution of API-safe steps. */
import { Router } from 'express';
import { findStep, listWorkflows, StepNotApiSafe, UnknownStep } from '../../workflow';
import { jsonBody } from '../body';
import { requireRole } from '../auth';
import type { AppDependencies } from '../dependencies';
import { matchedRoute } from '../requestContext';
import { parseBody } from '../parse';
import { runStepSchema } from '../schemas';

export function workflowRoutes(deps: AppDependencies): Router {
  const router = Router();
  const opsPlus = requireRole(deps.authenticator, 'ops+');
  const catalog = listWorkflows();

  router.get('/', matchedRoute, opsPlus, (_req, res) => {
    res.json(catalog);
  });

  router.post('/', matchedRoute, opsPlus, ...jsonBody, async (req, res) => {
    // The step is judged before its input: an unsafe step is refused whatever it was given.
    const stepKey = (req.body as { stepKey?: unknown } | undefined)?.stepKey;
    if (typeof stepKey === 'string') {
      const step = findStep(stepKey);
      if (step === undefined) throw new UnknownStep(stepKey);
      if (!step.apiSafe) throw new StepNotApiSafe(stepKey);
    }
    const body = parseBody(runStepSchema, req.body);
    res.json(await deps.steps.run(body.stepKey, body.input));
  });

  return router;
}
