/** A database of its own for each run, on the server DATABASE_URL names, dropped at the end whatever happened. */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export type ScratchDatabase = Readonly<{ name: string; url: string; drop(): Promise<void> }>;

export async function createScratchDatabase(serverUrl: string): Promise<ScratchDatabase> {
  const name = `bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
