import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A response's PDF moves from a bytea column into a PostgreSQL large object, so that it is
 * written and read in chunks (never whole in the web process), and stays in the one database
 * that backups, retention and erasure already cover.
 *
 * - `letter_response_attachments` keeps the object's oid (`content`), its SHA-256 (the strong
 *   ETag of its download) and its size; existing files are moved over.
 * - `upload_staging` holds the objects of uploads still arriving (or checked and refused): an
 *   upload is written outside any long transaction, so until the response that owns it commits,
 *   this row is its owner. The hourly retention run deletes rows left by a crashed process.
 * - Deleting either row unlinks the object when no row of the other table holds it, whatever
 *   deleted it: a response, its letter (ON DELETE CASCADE), an erasure, the retention run. So no
 *   large object outlives its owner.
 */
export class AttachmentsAsLargeObjects1765000400000 implements MigrationInterface {
  name = 'AttachmentsAsLargeObjects1765000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE upload_staging (
        content oid PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX upload_staging_created ON upload_staging (created_at)`);
    await q.query(`
      ALTER TABLE letter_response_attachments
        ADD COLUMN content oid,
        ADD COLUMN sha256 char(64),
        ADD COLUMN bytes bigint`);
    await q.query(`
      UPDATE letter_response_attachments
         SET content = lo_from_bytea(0, data), sha256 = encode(sha256(data), 'hex'), bytes = length(data)`);
    await q.query(`
      ALTER TABLE letter_response_attachments
        DROP COLUMN data,
        ALTER COLUMN content SET NOT NULL,
        ALTER COLUMN sha256 SET NOT NULL,
        ALTER COLUMN bytes SET NOT NULL,
        ADD CONSTRAINT letter_response_attachments_content UNIQUE (content)`);
    await q.query(`
      CREATE FUNCTION unlink_unowned_large_object() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_largeobject_metadata WHERE oid = OLD.content)
           AND NOT EXISTS (SELECT 1 FROM letter_response_attachments WHERE content = OLD.content)
           AND NOT EXISTS (SELECT 1 FROM upload_staging WHERE content = OLD.content) THEN
          PERFORM lo_unlink(OLD.content);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER attachment_content_unlinked AFTER DELETE OR UPDATE OF content ON letter_response_attachments
        FOR EACH ROW EXECUTE FUNCTION unlink_unowned_large_object()`);
    await q.query(`
      CREATE TRIGGER staged_upload_unlinked AFTER DELETE ON upload_staging
        FOR EACH ROW EXECUTE FUNCTION unlink_unowned_large_object()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER staged_upload_unlinked ON upload_staging`);
    await q.query(`DROP TRIGGER attachment_content_unlinked ON letter_response_attachments`);
    await q.query(`DROP FUNCTION unlink_unowned_large_object()`);
    await q.query(`SELECT lo_unlink(content) FROM upload_staging`);
    await q.query(`DROP TABLE upload_staging`);
    await q.query(`ALTER TABLE letter_response_attachments ADD COLUMN data bytea`);
    await q.query(`UPDATE letter_response_attachments SET data = lo_get(content)`);
    await q.query(`SELECT lo_unlink(content) FROM letter_response_attachments`);
    await q.query(`
      ALTER TABLE letter_response_attachments
        DROP CONSTRAINT letter_response_attachments_content,
        DROP COLUMN content, DROP COLUMN sha256, DROP COLUMN bytes,
        ALTER COLUMN data SET NOT NULL`);
  }
}
