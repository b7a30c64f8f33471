import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * "My signatures": a person asks for one link, by email, to every signature their address holds.
 * - `my_signatures_links`: one request. The address as typed is kept only until the email is sent
 *   (where the mail goes); the normalised form finds the signatures for 24 hours. The token is a
 *   row of `tokens` (purpose `my-signatures`, only its hash); `session_hash` is the hash of the
 *   browser session that opened the link first: only that session may use it again.
 * - `tokens.purpose` grows to 16 characters for the new purpose's name (no table rewrite).
 * - `signatures_email_normalised`: the list finds an address's signatures on every letter
 *   without reading every signature (the unique key starts with the letter).
 */
export class MySignatures1764400100000 implements MigrationInterface {
  name = 'MySignatures1764400100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tokens ALTER COLUMN purpose TYPE varchar(16)`);
    await q.query(`
      CREATE TABLE my_signatures_links (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email varchar(320),
        email_normalised varchar(320) NOT NULL,
        language varchar(5) NOT NULL,
        token_id uuid REFERENCES tokens(id) ON DELETE SET NULL,
        session_hash char(64),
        sent_at timestamptz,
        redeemed_at timestamptz,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX my_signatures_links_token ON my_signatures_links (token_id)`);
    await q.query(`CREATE INDEX my_signatures_links_expires ON my_signatures_links (expires_at)`);
    await q.query(
      `CREATE INDEX signatures_email_normalised ON signatures (email_normalised) WHERE email_normalised IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS signatures_email_normalised`);
    await q.query(`DROP TABLE IF EXISTS my_signatures_links`);
    await q.query(`DELETE FROM tokens WHERE purpose = 'my-signatures'`);
    await q.query(`ALTER TABLE tokens ALTER COLUMN purpose TYPE varchar(12)`);
  }
}
