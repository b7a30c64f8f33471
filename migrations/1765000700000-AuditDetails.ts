import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Free text typed by organisers (reasons, notes, a delivery's recipient, an update's subject, the
 * names of links and tokens, a member's name) and signers' mail domains leave the audit trail for
 * `audit_details`, a table that erasure can reach: the trail row keeps only `detail_id`, a bare
 * reference (no foreign key: the detail may be deleted, the trail row never changes).
 *
 * The keys are this migration's own copy of the list in src/core/audit, as they stood when it was
 * written; a held-queue decision on a mail-domain group also moves its `key` (the domain).
 */
const MOVED_KEYS = ['reason', 'note', 'domain', 'deliveredTo', 'subject', 'name', 'member'];

/**
 * Moves such text out of the trail rows written before. The trail's trigger refuses UPDATE from
 * anyone; this runs as the table's owner inside the migration's transaction, so it disables the
 * trigger for its own change and enables it again before the transaction commits (ALTER TABLE is
 * transactional: a failure rolls the trigger's state back too, and other sessions wait on the
 * table's lock meanwhile, so none of them writes while it is off).
 */
export async function moveAuditTextOut(q: QueryRunner): Promise<void> {
  await q.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change`);
  await q.query(
    `DO $$
     DECLARE
       r record;
       moved jsonb;
       ref bigint;
       keys text[] := ARRAY[${MOVED_KEYS.map((k) => `'${k}'`).join(', ')}];
     BEGIN
       FOR r IN SELECT id, letter_id, created_at, detail FROM audit_events
                 WHERE detail_id IS NULL AND (detail ?| keys OR (detail->>'by' = 'domain' AND detail ? 'key'))
                 ORDER BY id LOOP
         SELECT jsonb_object_agg(key, value) INTO moved FROM jsonb_each(r.detail)
          WHERE key = ANY(keys) OR (key = 'key' AND r.detail->>'by' = 'domain');
         INSERT INTO audit_details (letter_id, detail, created_at) VALUES (r.letter_id, moved, r.created_at) RETURNING id INTO ref;
         UPDATE audit_events SET detail = r.detail - keys - (CASE WHEN r.detail->>'by' = 'domain' THEN ARRAY['key'] ELSE ARRAY[]::text[] END), detail_id = ref
          WHERE id = r.id;
       END LOOP;
     END $$`,
  );
  await q.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change`);
}

export class AuditDetails1765000700000 implements MigrationInterface {
  name = 'AuditDetails1765000700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_details (
        id bigserial PRIMARY KEY,
        letter_id uuid NOT NULL,
        detail jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX audit_details_letter ON audit_details (letter_id)`);
    await q.query(`CREATE INDEX audit_details_created ON audit_details (created_at)`);
    await q.query(`ALTER TABLE audit_events ADD COLUMN detail_id bigint`);
    await moveAuditTextOut(q);
  }

  down(): Promise<void> {
    // The text moved out is not put back into the trail: the trail is append-only.
    return Promise.reject(new Error('AuditDetails1765000700000 cannot be reverted'));
  }
}
