import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Responses posted through a recipient link are held for the letter's owners, and views of a link
 * are counted rather than each recorded.
 * - `letter_responses.status`: `published` (what every response was until now, and what an
 *   owner's own response is at once), `pending` (posted through a link, shown to the owners
 *   only) or `rejected`. `title` is the heading the owners choose; `published_at` is when it became
 *   public (the feed's date). At most one pending response per link.
 * - The `response.received` webhook event is written when a response becomes public: on insert
 *   of a published one, or when a held one is published; never for a pending or rejected one.
 * - `recipient_links.last_viewed_at`: the link's newest view; a view is recorded (event and audit
 *   row) only when it is the first of its UTC day, while `views` counts every one.
 * - `recipient_links.response_attempts`, `response_attempts_since`: the posts of the response form
 *   in the current hour of the link, for its limit.
 */
export class HeldResponses1765000300000 implements MigrationInterface {
  name = 'HeldResponses1765000300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE letter_responses
        ADD COLUMN status varchar(12) NOT NULL DEFAULT 'published' CHECK (status IN ('pending', 'published', 'rejected')),
        ADD COLUMN title varchar(200),
        ADD COLUMN published_at timestamptz,
        ADD COLUMN decided_at timestamptz`);
    await q.query(`UPDATE letter_responses SET published_at = created_at`);
    await q.query(
      `CREATE UNIQUE INDEX letter_responses_held_per_link ON letter_responses (recipient_link_id) WHERE status = 'pending'`,
    );
    await q.query(
      `CREATE INDEX letter_responses_by_link ON letter_responses (recipient_link_id) WHERE recipient_link_id IS NOT NULL`,
    );

    await q.query(`
      ALTER TABLE recipient_links
        ADD COLUMN last_viewed_at timestamptz,
        ADD COLUMN response_attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN response_attempts_since timestamptz`);
    await q.query(
      `UPDATE recipient_links l SET last_viewed_at = (SELECT max(e.created_at) FROM recipient_link_events e WHERE e.link_id = l.id AND e.kind = 'view')`,
    );

    await q.query(`DROP TRIGGER IF EXISTS webhooks_response_received ON letter_responses`);
    await q.query(`
      CREATE TRIGGER webhooks_response_received AFTER INSERT ON letter_responses
      FOR EACH ROW WHEN (NEW.status = 'published') EXECUTE FUNCTION webhooks_response_received()`);
    await q.query(`
      CREATE TRIGGER webhooks_response_published AFTER UPDATE OF status ON letter_responses
      FOR EACH ROW WHEN (OLD.status <> 'published' AND NEW.status = 'published') EXECUTE FUNCTION webhooks_response_received()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS webhooks_response_published ON letter_responses`);
    await q.query(`DROP TRIGGER IF EXISTS webhooks_response_received ON letter_responses`);
    await q.query(`
      CREATE TRIGGER webhooks_response_received AFTER INSERT ON letter_responses
      FOR EACH ROW EXECUTE FUNCTION webhooks_response_received()`);
    await q.query(
      `ALTER TABLE recipient_links DROP COLUMN last_viewed_at, DROP COLUMN response_attempts, DROP COLUMN response_attempts_since`,
    );
    await q.query(`DROP INDEX IF EXISTS letter_responses_by_link`);
    await q.query(`DROP INDEX IF EXISTS letter_responses_held_per_link`);
    await q.query(
      `ALTER TABLE letter_responses DROP COLUMN status, DROP COLUMN title, DROP COLUMN published_at, DROP COLUMN decided_at`,
    );
  }
}
