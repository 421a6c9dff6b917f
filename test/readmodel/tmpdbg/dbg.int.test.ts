import { incidentsProjection } from '../../../projections/incidents.projection';
import { PostgresEventStore } from '../../../src/eventstore/postgresEventStore';
import { rebuildProjection } from '../../../src/readmodel/rebuild';
import { openEmbeddedTestDatabase } from '../../support/databases';
import { appendRandomHistory, tableRows } from '../history';
it('dbg', async () => {
  const database = await openEmbeddedTestDatabase();
  const store = new PostgresEventStore(database);
  const history = await appendRandomHistory(store, { seed: 42, count: 100, incidents: 10 });
  console.log(history.events, (await store.readAll('', 1000)).length);
  const result = await rebuildProjection(database, store, incidentsProjection, { batchSize: 50 });
  console.log(result, (await tableRows(database.pool, 'incidents')).length, (await tableRows(database.pool, 'incidents_rebuild').catch(e=>String(e))));
  console.log((await database.pool.query(`select tablename from pg_tables where schemaname=current_schema()`)).rows);
  await store.close(); await database.close();
});
