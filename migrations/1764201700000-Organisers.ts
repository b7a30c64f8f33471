import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Organisers: accounts signed in by emailed link, their role on each letter, and the session
 * store (connect-pg-simple's documented schema, made here so that no web process needs DDL
 * rights at run time).
 */
export class Organisers1764201700000 implements MigrationInterface {
  name = 'Organisers1764201700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE organisers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- Stored lower-case and trimmed: sign-in compares on this form.
        email varchar(320) NOT NULL CONSTRAINT organisers_email_unique UNIQUE
          CONSTRAINT organisers_email_lower CHECK (email = lower(email)),
        name varchar(200) NOT NULL DEFAULT '',
        digest_enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE letter_organisers (
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        organiser_id uuid NOT NULL REFERENCES organisers(id) ON DELETE CASCADE,
        role varchar(10) NOT NULL CHECK (role IN ('owner', 'editor')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (letter_id, organiser_id)
      )`);
    await q.query(`CREATE INDEX letter_organisers_organiser ON letter_organisers (organiser_id)`);
    // Sign-in tokens belong to an organiser; deleting the account deletes its links.
    await q.query(`
      ALTER TABLE tokens ADD CONSTRAINT tokens_organiser_fk
        FOREIGN KEY (organiser_id) REFERENCES organisers(id) ON DELETE CASCADE`);
    await q.query(`CREATE INDEX tokens_organiser ON tokens (organiser_id) WHERE organiser_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE "session" (
        "sid" varchar NOT NULL COLLATE "default",
        "sess" json NOT NULL,
        "expire" timestamp(6) NOT NULL,
        CONSTRAINT "session_pkey" PRIMARY KEY ("sid")
      )`);
    await q.query(`CREATE INDEX "IDX_session_expire" ON "session" ("expire")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS "session"`);
    await q.query(`DROP INDEX IF EXISTS tokens_organiser`);
    await q.query(`ALTER TABLE tokens DROP CONSTRAINT IF EXISTS tokens_organiser_fk`);
    await q.query(`DROP TABLE IF EXISTS letter_organisers`);
    await q.query(`DROP TABLE IF EXISTS organisers`);
  }
}
