import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Co-sponsors: with the instance's `cosponsors_required` above 0, a letter submitted for review
 * waits in review_state 'awaiting_cosponsors' until that many people other than its organisers
 * have confirmed their support by email, through the letter's private link.
 *
 * The gate is a trigger on `letters`, so every way of submitting a letter (the starter's form,
 * the admins' pages, a command) passes it: a change to 'submitted' with too few confirmed
 * supporters becomes 'awaiting_cosponsors'. A supporter's confirmation moves the letter on.
 * Supporters' names and addresses are erased by retention once they are needed no more.
 */
export class Cosponsors1765200720000 implements MigrationInterface {
  name = 'Cosponsors1765200720000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cosponsor_links (
        letter_id uuid PRIMARY KEY REFERENCES letters(id) ON DELETE CASCADE,
        token_hash char(64) NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE letter_cosponsors (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        full_name varchar(200) NOT NULL,
        email varchar(320) NOT NULL,
        email_normalised varchar(320) NOT NULL,
        language varchar(5) NOT NULL,
        wants_to_sign boolean NOT NULL DEFAULT false,
        status varchar(10) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed')),
        confirm_token_hash char(64) UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        confirmed_at timestamptz,
        invited_at timestamptz,
        UNIQUE (letter_id, email_normalised)
      )`);
    // The invitations' chore looks for confirmed supporters who asked to sign and were not asked yet.
    await q.query(`
      CREATE INDEX letter_cosponsors_to_invite ON letter_cosponsors (letter_id)
        WHERE status = 'confirmed' AND wants_to_sign AND invited_at IS NULL`);
    // Supporters who count: confirmed, and none of the letter's organisers (by address).
    await q.query(`
      CREATE FUNCTION public.confirmed_cosponsors(letter uuid) RETURNS integer LANGUAGE sql STABLE AS $$
        SELECT count(*)::integer FROM public.letter_cosponsors c
         WHERE c.letter_id = letter AND c.status = 'confirmed'
           AND NOT EXISTS (
             SELECT 1 FROM public.letter_organisers lo JOIN public.organisers o ON o.id = lo.organiser_id
              WHERE lo.letter_id = letter AND lower(o.email) = lower(c.email))
      $$`);
    await q.query(`
      CREATE FUNCTION public.cosponsor_gate() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        required integer;
      BEGIN
        IF NEW.review_state = 'submitted' AND (TG_OP = 'INSERT' OR OLD.review_state IS DISTINCT FROM 'submitted') THEN
          SELECT cosponsors_required INTO required FROM public.instance_settings LIMIT 1;
          IF coalesce(required, 0) > 0 AND public.confirmed_cosponsors(NEW.id) < required THEN
            NEW.review_state := 'awaiting_cosponsors';
            NEW.review_submitted_at := NULL;
          END IF;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER letters_cosponsor_gate BEFORE INSERT OR UPDATE OF review_state ON letters
        FOR EACH ROW EXECUTE FUNCTION public.cosponsor_gate()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER letters_cosponsor_gate ON letters`);
    await q.query(`DROP FUNCTION public.cosponsor_gate()`);
    await q.query(`DROP FUNCTION public.confirmed_cosponsors(uuid)`);
    await q.query(`UPDATE letters SET review_state = 'draft' WHERE review_state = 'awaiting_cosponsors'`);
    await q.query(`DROP TABLE letter_cosponsors`);
    await q.query(`DROP TABLE cosponsor_links`);
  }
}
