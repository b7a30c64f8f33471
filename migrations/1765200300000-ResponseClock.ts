import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The response clock of a delivered letter: the date its owners ask the addressees to answer by,
 * and the polite reminders sent to them through their recipient links' addresses. A response now
 * says what kind of answer it is (accepted, partly, declined, or a statement), which the clock
 * and /responses show. `response_reminders` holds one row per link and point (days from the due
 * date): the row is claimed before the mail is sent, so a retry or a crash never sends it twice,
 * and its time is what keeps a link to one reminder a week. No address or name is kept in it.
 * A recipient link gains a third token hash: the one in its newest reminder (the link mailed
 * first keeps working).
 */
export class ResponseClock1765200300000 implements MigrationInterface {
  name = 'ResponseClock1765200300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE letter_responses ADD COLUMN answer_kind varchar(12) NOT NULL DEFAULT 'statement'
        CONSTRAINT letter_responses_answer_kind CHECK (answer_kind IN ('accepted', 'partly', 'declined', 'statement'))`);
    await q.query(`
      CREATE TABLE response_clocks (
        letter_id uuid PRIMARY KEY REFERENCES letters(id) ON DELETE CASCADE,
        due_on date,
        reminders boolean NOT NULL DEFAULT false,
        reminder_points smallint[] NOT NULL DEFAULT '{-7,0}',
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE response_reminders (
        id bigserial PRIMARY KEY,
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        link_id uuid NOT NULL REFERENCES recipient_links(id) ON DELETE CASCADE,
        due_on date NOT NULL,
        point smallint NOT NULL,
        status varchar(10) NOT NULL DEFAULT 'queued'
          CONSTRAINT response_reminders_status CHECK (status IN ('queued', 'sending', 'sent', 'skipped', 'cancelled')),
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        CONSTRAINT response_reminders_once UNIQUE (link_id, due_on, point)
      )`);
    await q.query(
      `CREATE INDEX response_reminders_link_sent ON response_reminders (link_id, sent_at DESC) WHERE sent_at IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX response_reminders_letter ON response_reminders (letter_id, sent_at) WHERE status = 'sent'`,
    );
    await q.query(
      `ALTER TABLE recipient_links ADD COLUMN reminder_token_hash char(64) CONSTRAINT recipient_links_reminder_token UNIQUE`,
    );
    await q.query(`CREATE INDEX letters_delivered ON letters (delivered_at DESC) WHERE delivered_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX letters_delivered`);
    await q.query(`ALTER TABLE recipient_links DROP COLUMN reminder_token_hash`);
    await q.query(`DROP TABLE response_reminders`);
    await q.query(`DROP TABLE response_clocks`);
    await q.query(`ALTER TABLE letter_responses DROP COLUMN answer_kind`);
  }
}
