import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The recipient's page (issue 12).
 * - `recipient_links`: one link per addressee of a delivered letter. Only SHA-256 hashes of its
 *   tokens are kept: the one shown to the owner once, and the one mailed by the platform (made
 *   when the mail is sent, so no queued job holds a working link). Revoked or expired, it is gone
 *   for the recipient; the row stays for the owners' record.
 * - `recipient_link_events`: every view and download, with when and which link; never an address.
 * - `letter_responses` gains where a response came from (typed by an organiser, or posted through
 *   a recipient's link) and an optional PDF, kept in `letter_response_attachments` so that lists
 *   of responses never read the bytes.
 * - `export_audit.recipient_link_id`: files downloaded from a recipient's page name that link as
 *   the exporter (the organiser column stays empty).
 */
export class RecipientLinks1764400000000 implements MigrationInterface {
  name = 'RecipientLinks1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE recipient_links (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        token_hash char(64) NOT NULL UNIQUE,
        mailed_token_hash char(64) UNIQUE,
        name varchar(200) NOT NULL,
        role varchar(200),
        email varchar(320),
        send_email boolean NOT NULL DEFAULT false,
        emailed_at timestamptz,
        created_by uuid REFERENCES organisers(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        views integer NOT NULL DEFAULT 0,
        downloads integer NOT NULL DEFAULT 0
      )`);
    await q.query(`CREATE INDEX recipient_links_letter ON recipient_links (letter_id, created_at)`);
    await q.query(`
      CREATE TABLE recipient_link_events (
        id bigserial PRIMARY KEY,
        link_id uuid NOT NULL REFERENCES recipient_links(id) ON DELETE CASCADE,
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        kind varchar(20) NOT NULL,
        export_id uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX recipient_link_events_letter ON recipient_link_events (letter_id, created_at)`);
    await q.query(`
      ALTER TABLE letter_responses
        ADD COLUMN received_via varchar(20) NOT NULL DEFAULT 'organiser',
        ADD COLUMN recipient_link_id uuid REFERENCES recipient_links(id) ON DELETE SET NULL,
        ADD COLUMN attachment_name varchar(255),
        ADD COLUMN attachment_bytes integer`);
    await q.query(`
      CREATE TABLE letter_response_attachments (
        response_id uuid PRIMARY KEY REFERENCES letter_responses(id) ON DELETE CASCADE,
        data bytea NOT NULL
      )`);
    await q.query(
      `ALTER TABLE export_audit ADD COLUMN recipient_link_id uuid REFERENCES recipient_links(id) ON DELETE SET NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE export_audit DROP COLUMN recipient_link_id`);
    await q.query(`DROP TABLE letter_response_attachments`);
    await q.query(`
      ALTER TABLE letter_responses
        DROP COLUMN received_via, DROP COLUMN recipient_link_id, DROP COLUMN attachment_name, DROP COLUMN attachment_bytes`);
    await q.query(`DROP TABLE recipient_link_events`);
    await q.query(`DROP TABLE recipient_links`);
  }
}
