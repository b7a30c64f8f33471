import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const admin = process.env.TEST_DB_ADMIN_URL;
  const name = process.env.TEST_DB_NAME;
  if (admin && name) {
    const client = new Client({ connectionString: admin });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
  }
  await globalThis.__EMBEDDED_PG_STOP__?.();
}
