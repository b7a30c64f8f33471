import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The signing journey: letters and their translations, signatures, emailed tokens, the counts
 * that public pages read, rate-limit counters and the development mailbox.
 */
export class Initial1764201600000 implements MigrationInterface {
  name = 'Initial1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`
      CREATE TABLE letters (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug varchar(120) NOT NULL CONSTRAINT letters_slug_unique UNIQUE
          CONSTRAINT letters_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
        status varchar(10) NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
        goal integer CHECK (goal IS NULL OR goal > 0),
        closes_at timestamptz,
        default_language varchar(5) NOT NULL DEFAULT 'en',
        public_names_default varchar(10) NOT NULL DEFAULT 'private'
          CHECK (public_names_default IN ('public', 'initials', 'private')),
        delivered_at timestamptz,
        delivered_to text,
        delivery_note text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE letter_translations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        language varchar(5) NOT NULL,
        title varchar(200) NOT NULL,
        summary varchar(400) NOT NULL DEFAULT '',
        body text NOT NULL,
        recipient varchar(300) NOT NULL,
        CONSTRAINT letter_translations_letter_language UNIQUE (letter_id, language)
      )`);
    await q.query(`
      CREATE TABLE signatures (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        full_name varchar(200) NOT NULL,
        email varchar(320) NOT NULL,
        email_normalised varchar(320) NOT NULL,
        country char(2) NOT NULL,
        city varchar(120),
        organisation varchar(200),
        signed_as varchar(12) NOT NULL DEFAULT 'individual' CHECK (signed_as IN ('individual', 'organisation')),
        visibility varchar(10) NOT NULL CHECK (visibility IN ('public', 'initials', 'private')),
        wants_updates boolean NOT NULL DEFAULT false,
        language varchar(5) NOT NULL,
        status varchar(12) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'invalidated')),
        origin_hash varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        confirmed_at timestamptz,
        last_emailed_at timestamptz,
        -- Concurrent duplicate submissions meet here: exactly one row survives.
        CONSTRAINT signatures_letter_email UNIQUE (letter_id, email_normalised)
      )`);
    await q.query(`CREATE INDEX signatures_letter_status_confirmed ON signatures (letter_id, status, confirmed_at)`);
    await q.query(`
      CREATE TABLE tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash char(64) NOT NULL CONSTRAINT tokens_hash_unique UNIQUE,
        purpose varchar(12) NOT NULL,
        signature_id uuid REFERENCES signatures(id) ON DELETE CASCADE,
        organiser_id uuid,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX tokens_signature ON tokens (signature_id)`);
    await q.query(`CREATE INDEX tokens_expires ON tokens (expires_at)`);
    // Counts: confirming appends a delta row (no lock on a shared row, so thousands of
    // confirmations a minute never queue behind one another); the worker folds deltas into
    // per-country totals every few seconds. Readers add the few unfolded deltas, so the public
    // count is exact at every moment and never a COUNT(*) over the signatures.
    await q.query(`
      CREATE TABLE signature_count_deltas (
        id bigserial PRIMARY KEY,
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        country char(2) NOT NULL,
        delta integer NOT NULL
      )`);
    await q.query(`CREATE INDEX signature_count_deltas_letter ON signature_count_deltas (letter_id)`);
    await q.query(`
      CREATE TABLE letter_country_counts (
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        country char(2) NOT NULL,
        verified integer NOT NULL DEFAULT 0,
        PRIMARY KEY (letter_id, country)
      )`);
    // rate-limiter-flexible's PostgreSQL store, created here so no process needs DDL rights.
    await q.query(`
      CREATE TABLE rate_limits (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      )`);
    await q.query(`
      CREATE TABLE dev_mailbox (
        id bigserial PRIMARY KEY,
        recipient text NOT NULL,
        subject text NOT NULL,
        text_body text NOT NULL,
        html_body text,
        headers jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'dev_mailbox',
      'rate_limits',
      'letter_country_counts',
      'signature_count_deltas',
      'tokens',
      'signatures',
      'letter_translations',
      'letters',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
