import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Team invitations: an owner adds an address to a letter's team, the address gets an emailed
 * link, and only pressing "Accept" on its page makes it a member. Until then nobody is on the
 * team without their consent, and the owner's page answers the same for any address.
 *
 * The link's token is stored only as its SHA-256 (made by the worker when the email is sent, so a
 * queued job never holds a working link). One pending invitation per letter and address: inviting
 * again replaces it, and its earlier link stops working.
 */
export class TeamInvitations1764204000000 implements MigrationInterface {
  name = 'TeamInvitations1764204000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE team_invitations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        -- Compared like organisers' addresses: lower-case and trimmed.
        email varchar(320) NOT NULL CONSTRAINT team_invitations_email_lower CHECK (email = lower(email)),
        role varchar(10) NOT NULL CHECK (role IN ('owner', 'editor')),
        invited_by uuid REFERENCES organisers(id) ON DELETE SET NULL,
        token_hash char(64) CONSTRAINT team_invitations_token_unique UNIQUE,
        expires_at timestamptz NOT NULL,
        accepted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX team_invitations_pending ON team_invitations (letter_id, email) WHERE accepted_at IS NULL`,
    );
    // The worker deletes invitations some days after they expire: an address nobody accepted is not kept.
    await q.query(`CREATE INDEX team_invitations_expires ON team_invitations (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS team_invitations`);
  }
}
