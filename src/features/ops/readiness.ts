import type { DataSource } from 'typeorm';

export type Readiness = { ready: true } | { ready: false; reason: 'database' | 'migrations' };

/**
 * Ready when the database answers and every migration this code knows has run there. A process
 * started with newer code than the schema (or an unreachable database) is taken out of the load
 * balancer's rotation until it is.
 */
export async function checkReadiness(db: DataSource): Promise<Readiness> {
  let applied: Array<{ name: string }>;
  try {
    applied = await db.query('SELECT name FROM migrations');
  } catch {
    return { ready: false, reason: 'database' };
  }
  const have = new Set(applied.map((r) => r.name));
  const pending = db.migrations.filter((m) => !have.has(m.name ?? m.constructor.name));
  return pending.length ? { ready: false, reason: 'migrations' } : { ready: true };
}
