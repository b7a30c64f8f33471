import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Challenge mode (a proof-of-work the sign form asks for while a letter is under attack):
 * - `letter_challenge_modes`: one row per letter that was ever in it: whether it is on, since
 *   when, who put it there (abuse control or an owner; an owner's switch is not undone by the
 *   quiet period), and when abuse was last seen, from which the automatic exit counts;
 * - `challenge_solutions`: each accepted solution's challenge, kept until that challenge expires,
 *   so that one solution signs once (replay protection). The key is the challenge's random nonce;
 * - an index on a letter's signatures by time: abuse control reads the share of held signatures
 *   over the last few minutes, and a big letter must not scan all its rows for that.
 */
export class ChallengeMode1764360000000 implements MigrationInterface {
  name = 'ChallengeMode1764360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE letter_challenge_modes (
      letter_id uuid PRIMARY KEY REFERENCES letters(id) ON DELETE CASCADE,
      active boolean NOT NULL DEFAULT false,
      cause varchar(8) NOT NULL CHECK (cause IN ('auto', 'owner')),
      changed_at timestamptz NOT NULL DEFAULT now(),
      last_abuse_at timestamptz
    )`);
    await q.query(`CREATE TABLE challenge_solutions (
      challenge_id varchar(64) PRIMARY KEY,
      expires_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX challenge_solutions_expires ON challenge_solutions (expires_at)`);
    await q.query(`CREATE INDEX signatures_letter_created ON signatures (letter_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX signatures_letter_created`);
    await q.query(`DROP TABLE challenge_solutions`);
    await q.query(`DROP TABLE letter_challenge_modes`);
  }
}
