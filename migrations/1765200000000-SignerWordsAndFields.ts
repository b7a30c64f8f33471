import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The rows the public list shows (as in 1765100000000-SignatoriesList). */
const PUBLIC_ROW = `status = 'confirmed' AND held_reason IS NULL AND NOT hidden AND visibility <> 'private'`;

/**
 * Signers' own words and the fields a letter asks for.
 *
 * - `signatures.occupation`: an occupation or title, beside the organisation.
 * - `signatures.comment` ("why I signed", at most 500 characters) with `comment_status`: 'pending'
 *   until an organiser decides, 'approved' once shown; a rejected comment is set to NULL (the text
 *   leaves the table, it is not hidden). `comment_anonymous`: a signer who keeps their name private
 *   allows the comment to be shown without it ("a signer from Kazakhstan").
 * - `letters.ask_*`: which optional fields the sign form asks. Every existing letter keeps the form
 *   it had (city and organisation asked; occupation and comment not), and so do new ones until an
 *   owner decides otherwise.
 * - Indexes: the list's "with a comment" filter (keyset, newest first, over the public rows), the
 *   wall of approved comments (newest approved first) and the organisers' queue of pending ones.
 */
export class SignerWordsAndFields1765200000000 implements MigrationInterface {
  name = 'SignerWordsAndFields1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE signatures
      ADD COLUMN occupation varchar(200),
      ADD COLUMN comment varchar(500),
      ADD COLUMN comment_status varchar(10),
      ADD COLUMN comment_anonymous boolean NOT NULL DEFAULT false,
      ADD COLUMN comment_approved_at timestamptz,
      ADD CONSTRAINT signatures_comment_status CHECK (
        (comment IS NULL AND comment_status IS NULL) OR (comment IS NOT NULL AND comment_status IN ('pending', 'approved'))
      )`);
    await q.query(`ALTER TABLE letters
      ADD COLUMN ask_city boolean NOT NULL DEFAULT true,
      ADD COLUMN ask_organisation boolean NOT NULL DEFAULT true,
      ADD COLUMN ask_occupation boolean NOT NULL DEFAULT false,
      ADD COLUMN ask_comment boolean NOT NULL DEFAULT false`);
    await q.query(
      `CREATE INDEX signatories_newest_commented ON signatures (letter_id, confirmed_at DESC, id DESC)
        WHERE ${PUBLIC_ROW} AND comment_status = 'approved'`,
    );
    await q.query(
      `CREATE INDEX signature_comments_approved ON signatures (letter_id, comment_approved_at DESC, id DESC)
        WHERE comment_status = 'approved'`,
    );
    await q.query(
      `CREATE INDEX signature_comments_pending ON signatures (letter_id, created_at) WHERE comment_status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const name of ['signature_comments_pending', 'signature_comments_approved', 'signatories_newest_commented'])
      await q.query(`DROP INDEX ${name}`);
    await q.query(`ALTER TABLE letters DROP COLUMN ask_city, DROP COLUMN ask_organisation,
      DROP COLUMN ask_occupation, DROP COLUMN ask_comment`);
    await q.query(`ALTER TABLE signatures DROP CONSTRAINT signatures_comment_status, DROP COLUMN occupation,
      DROP COLUMN comment, DROP COLUMN comment_status, DROP COLUMN comment_anonymous, DROP COLUMN comment_approved_at`);
  }
}
