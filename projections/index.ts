/** Every read model the service keeps, for the processors at start-up and the rebuild command. */
import type { Projection } from '../src/readmodel/projection';
import { analyticsProjection } from './analytics.projection';
import { incidentsProjection } from './incidents.projection';

export const projections: readonly Projection[] = [incidentsProjection, analyticsProjection];
