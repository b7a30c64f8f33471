import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Updates in every language of the letter, to the signers they concern, at a chosen time:
 *
 * - `letter_updates.language` is the language of the update's own subject and text (the letter's
 *   default language when it was written); `letter_update_versions` holds the other languages'
 *   versions. An update written before this had one language, and is kept as the version in its
 *   letter's default language, which is what its signers would have got.
 * - The segment it goes to (countries, a text version, online or paper; null is "all").
 * - `send_at`, when it goes (its creation for the updates already sent), and `cancelled_at`.
 *   The weekly limit counts updates by `send_at`, so the index serves it.
 * - `letter_update_deliveries`: one row per signer an update was sent to or bounced for, which
 *   makes a retried email job send nothing twice and gives the per-update figures (sent, bounced,
 *   unsubscribed after it). The link to the signature is cut after the retention period
 *   (`signature_id` set to null): the figures stay, whose they were does not. An unsubscribe is
 *   put down to the latest update the signer received, by a trigger on `signatures`.
 */
export class UpdateVersionsSegments1765200400000 implements MigrationInterface {
  name = 'UpdateVersionsSegments1765200400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE letter_updates
        ADD COLUMN language varchar(5),
        ADD COLUMN segment_countries text[],
        ADD COLUMN segment_text_language varchar(5),
        ADD COLUMN segment_text_version integer,
        ADD COLUMN segment_source varchar(6) CHECK (segment_source IN ('online', 'paper')),
        ADD COLUMN send_at timestamptz,
        ADD COLUMN cancelled_at timestamptz`);
    await q.query(`
      UPDATE letter_updates u SET language = l.default_language, send_at = u.created_at
        FROM letters l WHERE l.id = u.letter_id`);
    await q.query(`
      ALTER TABLE letter_updates
        ALTER COLUMN language SET NOT NULL,
        ALTER COLUMN send_at SET NOT NULL,
        ALTER COLUMN send_at SET DEFAULT now()`);
    await q.query(
      `CREATE INDEX letter_updates_send_at ON letter_updates (letter_id, send_at) WHERE cancelled_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE letter_update_versions (
        update_id uuid NOT NULL REFERENCES letter_updates(id) ON DELETE CASCADE,
        language varchar(5) NOT NULL,
        subject varchar(200) NOT NULL,
        body_markdown text NOT NULL,
        PRIMARY KEY (update_id, language)
      )`);
    await q.query(`
      CREATE TABLE letter_update_deliveries (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        update_id uuid NOT NULL REFERENCES letter_updates(id) ON DELETE CASCADE,
        signature_id uuid REFERENCES signatures(id) ON DELETE SET NULL,
        language varchar(5) NOT NULL,
        outcome varchar(8) NOT NULL CHECK (outcome IN ('sent', 'bounced')),
        at timestamptz NOT NULL DEFAULT now(),
        unsubscribed_at timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX letter_update_deliveries_once ON letter_update_deliveries (update_id, signature_id)`,
    );
    // The unsubscribe is put down to the latest update the signer received.
    await q.query(
      `CREATE INDEX letter_update_deliveries_signer ON letter_update_deliveries (signature_id, at) WHERE signature_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX letter_update_deliveries_age ON letter_update_deliveries (at) WHERE signature_id IS NOT NULL`,
    );
    // A signer who stops updates (the link in an email, one-click, or their signatures page) is
    // put down to the latest update they received. A trigger, so that no path forgets it; the
    // erasure of an address after the retention period (email set to null) is no unsubscribe.
    await q.query(`
      CREATE FUNCTION letter_update_unsubscribed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE public.letter_update_deliveries SET unsubscribed_at = now()
         WHERE id = (SELECT d.id FROM public.letter_update_deliveries d
                      WHERE d.signature_id = NEW.id AND d.outcome = 'sent'
                      ORDER BY d.at DESC, d.id DESC LIMIT 1)
           AND unsubscribed_at IS NULL;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER signature_unsubscribed AFTER UPDATE OF wants_updates ON signatures
        FOR EACH ROW WHEN (OLD.wants_updates AND NOT NEW.wants_updates AND NEW.email IS NOT NULL)
        EXECUTE FUNCTION letter_update_unsubscribed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS signature_unsubscribed ON signatures`);
    await q.query(`DROP FUNCTION IF EXISTS letter_update_unsubscribed()`);
    await q.query(`DROP TABLE IF EXISTS letter_update_deliveries`);
    await q.query(`DROP TABLE IF EXISTS letter_update_versions`);
    await q.query(`DROP INDEX IF EXISTS letter_updates_send_at`);
    await q.query(`
      ALTER TABLE letter_updates
        DROP COLUMN language, DROP COLUMN segment_countries, DROP COLUMN segment_text_language,
        DROP COLUMN segment_text_version, DROP COLUMN segment_source, DROP COLUMN send_at, DROP COLUMN cancelled_at`);
  }
}
