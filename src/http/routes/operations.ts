/** Health, readiness, metrics: for load balancers, orchestrators and Prometheus. */
import { Router } from 'express';
import type { AppDependencies } from '../dependencies';

const READY_TIMEOUT_MS = 2_000;

export function operationsRoutes(deps: AppDependencies): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const [eventStore, database, projections] = await Promise.all([
      probe(() => deps.eventStore.ping()),
      probe(async () => void (await deps.database.pool.query('SELECT 1'))),
      deps.projectionStatus().catch(() => []),
    ]);
    deps.metrics.recordProjectionLag(projections);
    const ready = eventStore === 'ok' && database === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks: { eventStore, database }, projections });
  });

  router.get('/metrics', async (_req, res) => {
    deps.metrics.recordProjectionLag(await deps.projectionStatus().catch(() => []));
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  return router;
}

async function probe(check: () => Promise<void>): Promise<'ok' | 'unavailable'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'unavailable'>((resolve) => {
    timer = setTimeout(() => resolve('unavailable'), READY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => 'ok' as const), timeout]);
  } catch {
    return 'unavailable';
  } finally {
    clearTimeout(timer);
  }
}
