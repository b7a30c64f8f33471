import type { MigrationInterface, QueryRunner } from 'typeorm';

const UNLINK = (withPublicLists: boolean) => `
  CREATE OR REPLACE FUNCTION unlink_unowned_large_object() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM pg_largeobject_metadata WHERE oid = OLD.content)
       AND NOT EXISTS (SELECT 1 FROM letter_response_attachments WHERE content = OLD.content)
       ${withPublicLists ? 'AND NOT EXISTS (SELECT 1 FROM public_list_files WHERE content = OLD.content)' : ''}
       AND NOT EXISTS (SELECT 1 FROM upload_staging WHERE content = OLD.content) THEN
      PERFORM lo_unlink(OLD.content);
    END IF;
    RETURN NULL;
  END $$`;

/**
 * The public list of a letter's signatories as a CSV file, one per letter and language: made by a
 * job (an export with purpose "publication", so /verify recognises it), kept as a large object
 * and served as it is to every reader, so that a download costs a reader's request no pass over
 * the signatures. A file is kept only for minutes (a signer who withdraws or hides their name
 * leaves the next one); the object goes with its row, as attachments' do.
 */
export class PublicListFiles1765100100000 implements MigrationInterface {
  name = 'PublicListFiles1765100100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE public_list_files (
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        language varchar(5) NOT NULL,
        export_id uuid NOT NULL,
        content oid NOT NULL,
        bytes bigint NOT NULL,
        sha256 char(64) NOT NULL,
        file_name varchar(255) NOT NULL,
        made_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (letter_id, language)
      )`);
    await q.query(UNLINK(true));
    await q.query(`
      CREATE TRIGGER public_list_file_unlinked AFTER DELETE OR UPDATE OF content ON public_list_files
        FOR EACH ROW EXECUTE FUNCTION unlink_unowned_large_object()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER public_list_file_unlinked ON public_list_files`);
    await q.query(`SELECT lo_unlink(content) FROM public_list_files`);
    await q.query(`DROP TABLE public_list_files`);
    await q.query(UNLINK(false));
  }
}
