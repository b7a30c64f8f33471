import type { MigrationInterface, QueryRunner } from 'typeorm';

const UNLINK = (withHeaderImages: boolean) => `
  CREATE OR REPLACE FUNCTION unlink_unowned_large_object() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM pg_largeobject_metadata WHERE oid = OLD.content)
       AND NOT EXISTS (SELECT 1 FROM letter_response_attachments WHERE content = OLD.content)
       AND NOT EXISTS (SELECT 1 FROM public_list_files WHERE content = OLD.content)
       ${withHeaderImages ? 'AND NOT EXISTS (SELECT 1 FROM letter_header_images WHERE content = OLD.content)' : ''}
       AND NOT EXISTS (SELECT 1 FROM upload_staging WHERE content = OLD.content) THEN
      PERFORM lo_unlink(OLD.content);
    END IF;
    RETURN NULL;
  END $$`;

/**
 * A letter's optional header image: the page's JPEG as a large object (served as it is, with its
 * SHA-256 as its ETag and in its address), its size for the page's width and height attributes,
 * the share card's band (small, read whole when a card is drawn), and its alt text in each of the
 * letter's languages. Only the re-encoded pixels are kept: never the uploaded file or its metadata.
 * The object goes with its row (replaced or removed), as attachments' do.
 */
export class HeaderImages1765200700000 implements MigrationInterface {
  name = 'HeaderImages1765200700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE letter_header_images (
        letter_id uuid PRIMARY KEY REFERENCES letters(id) ON DELETE CASCADE,
        content oid NOT NULL,
        bytes integer NOT NULL,
        sha256 char(64) NOT NULL,
        width integer NOT NULL,
        height integer NOT NULL,
        card bytea NOT NULL,
        alt jsonb NOT NULL,
        uploaded_by uuid REFERENCES organisers(id) ON DELETE SET NULL,
        uploaded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(UNLINK(true));
    await q.query(`
      CREATE TRIGGER header_image_unlinked AFTER DELETE OR UPDATE OF content ON letter_header_images
        FOR EACH ROW EXECUTE FUNCTION unlink_unowned_large_object()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER header_image_unlinked ON letter_header_images`);
    await q.query(`SELECT lo_unlink(content) FROM letter_header_images`);
    await q.query(`DROP TABLE letter_header_images`);
    await q.query(UNLINK(false));
  }
}
