import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every export leaves a trace: who produced which file, when, with which filters, how many rows,
 * and the SHA-256 and size of the bytes that left the platform. The id is the export id printed
 * in the file name and the PDF footer, so an official can check a file on /verify.
 * Letters with exports cannot be deleted (RESTRICT): the record of what was delivered outlives
 * the wish to tidy up. An organiser's account may go; the row then keeps organiser_id NULL, as
 * exports from the command line do.
 */
export class ExportAudit1764201850000 implements MigrationInterface {
  name = 'ExportAudit1764201850000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE export_audit (
        id uuid PRIMARY KEY,
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE RESTRICT,
        organiser_id uuid REFERENCES organisers(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        format varchar(8) NOT NULL,
        purpose varchar(12) NOT NULL,
        language varchar(5) NOT NULL,
        filters jsonb NOT NULL,
        columns text[] NOT NULL,
        include_email boolean NOT NULL,
        row_count integer NOT NULL CHECK (row_count >= 0),
        sha256 char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        bytes bigint NOT NULL CHECK (bytes > 0),
        file_name varchar(255) NOT NULL
      )`);
    await q.query(`CREATE INDEX export_audit_letter_created ON export_audit (letter_id, created_at DESC)`);
    // /verify looks a file up by its digest when the official uploads it.
    await q.query(`CREATE INDEX export_audit_sha256 ON export_audit (sha256)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS export_audit`);
  }
}
