import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The letter's audit trail: append-only. The application only ever INSERTs; a trigger refuses
 * UPDATE, DELETE and TRUNCATE from anyone, so a mistake in code cannot rewrite history either.
 * No foreign key with ON DELETE CASCADE: removing a letter must not silently remove its record.
 */
export class AuditTrail1764300000000 implements MigrationInterface {
  name = 'AuditTrail1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        letter_id uuid NOT NULL,
        actor_id uuid,
        actor_name varchar(200),
        kind varchar(40) NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX audit_events_letter_created ON audit_events (letter_id, created_at)`);
    await q.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP FUNCTION audit_events_append_only()`);
  }
}
