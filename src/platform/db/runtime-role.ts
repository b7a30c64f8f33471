/** Runs one SQL statement as the schema's owner. */
export type ExecSql = (sql: string) => Promise<unknown>;

/** A role name as an SQL identifier, quoted. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Grants the role the app runs as (DATABASE_URL's, when MIGRATION_DATABASE_URL names the owner)
 * what it needs, and nothing that would let it rewrite the audit trail. Run by the owner after
 * every migration, under the migration lock; idempotent.
 *
 * - Every table of `public` and of graphile-worker's schema: SELECT, INSERT, UPDATE, DELETE (no
 *   TRUNCATE, REFERENCES or TRIGGER); every sequence: USAGE, SELECT; every function: EXECUTE.
 * - The same as default privileges for what the owner creates later (ALTER DEFAULT PRIVILEGES), so
 *   a table added by a later migration is covered without naming it here.
 * - Except: `audit_events` only INSERT and SELECT; `audit_chain_heads` only SELECT (the chain's
 *   trigger writes it as its owner); `audit_details` keeps DELETE (erasure) but no UPDATE; `instance_audit` (the admins' trail)
 *   only INSERT and SELECT;
 *   TypeORM's `migrations` table only SELECT.
 * - graphile-worker's private tables have row-level security on: a policy lets the role use them
 *   (made again at every start, so tables of a later version of the queue are covered too).
 * - The role owns nothing, so it can neither ALTER (disable a trigger), DROP nor TRUNCATE.
 */
export async function grantRuntimeRole(exec: ExecSql, role: string): Promise<void> {
  const r = quoteIdent(role);
  const dml = 'SELECT, INSERT, UPDATE, DELETE';
  const statements = [
    `DO $$ BEGIN EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), ${literal(role)}); END $$`,
    `GRANT USAGE ON SCHEMA public TO ${r}`,
    `GRANT ${dml} ON ALL TABLES IN SCHEMA public TO ${r}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${r}`,
    `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ${r}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ${dml} ON TABLES TO ${r}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${r}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO ${r}`,
    // The job queue (graphile-worker): migrated by the owner; at run time the worker reads its
    // migrations table and adds, takes, updates and removes jobs through its tables and functions.
    `GRANT USAGE ON SCHEMA graphile_worker TO ${r}`,
    `GRANT ${dml} ON ALL TABLES IN SCHEMA graphile_worker TO ${r}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA graphile_worker TO ${r}`,
    `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA graphile_worker TO ${r}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA graphile_worker GRANT ${dml} ON TABLES TO ${r}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA graphile_worker GRANT USAGE, SELECT ON SEQUENCES TO ${r}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA graphile_worker GRANT EXECUTE ON FUNCTIONS TO ${r}`,
    // graphile-worker turns row-level security on for its private tables (with no policy, so that
    // only their owner sees rows): the runtime role gets a policy of its own on each of them.
    `DO $$
     DECLARE t record;
     BEGIN
       FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'graphile_worker' AND c.relkind = 'r' AND c.relrowsecurity LOOP
         EXECUTE format('DROP POLICY IF EXISTS %I ON graphile_worker.%I', ${literal(policyName(role))}, t.relname);
         EXECUTE format('CREATE POLICY %I ON graphile_worker.%I TO %I USING (true) WITH CHECK (true)', ${literal(policyName(role))}, t.relname, ${literal(role)});
       END LOOP;
     END $$`,
    // What the runtime must not change.
    `REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_events FROM ${r}`,
    `REVOKE ALL ON audit_chain_heads FROM ${r}`,
    `GRANT SELECT ON audit_chain_heads TO ${r}`,
    `REVOKE UPDATE, TRUNCATE, REFERENCES, TRIGGER ON audit_details FROM ${r}`,
    `REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON instance_audit FROM ${r}`,
    `REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON migrations FROM ${r}`,
  ];
  for (const sql of statements) await exec(sql);
}

/** The name of the runtime role's row-level-security policy on graphile-worker's tables. */
function policyName(role: string): string {
  return `runtime_${role}`.slice(0, 63);
}

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
