/** What PostgreSQL plans for a statement, for tests that hold a statement to the way it must find its rows. */
import type { Queryable } from '../../src/readmodel/projection';

export type PlanNode = { 'Node Type': string; 'Relation Name'?: string; Plans?: PlanNode[] };

/** The plan of `sql` with these parameters, as PostgreSQL would run it now (EXPLAIN, not run). */
export async function planOf(client: Queryable, sql: string, params: unknown[]): Promise<PlanNode> {
  const result = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  return result.rows[0]!['QUERY PLAN'][0]!.Plan;
}

/** Every node of the plan that reads one of `tables`, as "<node type> on <table>" (e.g. "Seq Scan on events"). */
export function scansOf(node: PlanNode, tables: ReadonlySet<string>): string[] {
  const relation = node['Relation Name'];
  const own = relation !== undefined && tables.has(relation) ? [`${node['Node Type']} on ${relation}`] : [];
  return [...own, ...(node.Plans ?? []).flatMap((child) => scansOf(child, tables))];
}
