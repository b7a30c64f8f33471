import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read API's tokens and the letters' webhooks.
 *
 * API tokens are stored as SHA-256 hashes only (the token is shown once), per letter, revocable;
 * `last_used_at` is written at most once a minute per token.
 *
 * Webhook events are produced by the database, like the integrity counters: AFTER triggers on
 * `signatures` (a signature starts counting: confirmed, or released from review; a counted one is
 * withdrawn), on `letters` (the delivery is recorded) and on `letter_responses` (an official
 * response) write a row into the job outbox in the transaction of the change, so an event exists
 * exactly when its change commits, whatever code path made it. Signing speed matters: each
 * trigger first looks whether any webhook exists at all (an empty table answers at once) and
 * then only for letters that have one, so a letter without webhooks pays nothing more.
 */
export class ApiWebhooks1764400300000 implements MigrationInterface {
  name = 'ApiWebhooks1764400300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        name varchar(100) NOT NULL,
        token_hash char(64) NOT NULL UNIQUE,
        for_delivery boolean NOT NULL DEFAULT false,
        created_by uuid REFERENCES organisers(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_tokens_letter ON api_tokens (letter_id, created_at)`);

    await q.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        url varchar(2000) NOT NULL,
        events text[] NOT NULL,
        secret varchar(100) NOT NULL,
        created_by uuid REFERENCES organisers(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_endpoints_letter ON webhook_endpoints (letter_id)`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
        event varchar(40) NOT NULL,
        body text,
        status varchar(12) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        next_attempt_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE webhook_attempts (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
        attempted_at timestamptz NOT NULL DEFAULT now(),
        status_code integer,
        error varchar(60),
        duration_ms integer NOT NULL
      )`);
    await q.query(`CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id)`);
    // Each goal milestone fires once per letter: the row is the "once".
    await q.query(`
      CREATE TABLE webhook_milestones (
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        percent smallint NOT NULL,
        reached_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (letter_id, percent)
      )`);

    const event = (type: string, letter: string, extra: string) =>
      `'webhook-event', json_build_object('type', '${type}', 'letterId', ${letter}, 'occurredAt', now()${extra})`;
    await q.query(`
      CREATE FUNCTION webhooks_signatures_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM webhook_endpoints) THEN RETURN NULL; END IF;
        INSERT INTO job_outbox (task, payload)
        SELECT ${event('signature.confirmed', 'n.letter_id', ", 'signatureId', n.id")}
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.status = 'confirmed' AND n.held_reason IS NULL AND NOT (o.status = 'confirmed' AND o.held_reason IS NULL)
           AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.letter_id = n.letter_id);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER webhooks_signatures_update AFTER UPDATE ON signatures
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhooks_signatures_update()`);
    await q.query(`
      CREATE FUNCTION webhooks_signatures_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM webhook_endpoints) THEN RETURN NULL; END IF;
        IF coalesce(current_setting('undersigned.removal', true), '') NOT IN ('withdrawn', 'disowned') THEN RETURN NULL; END IF;
        INSERT INTO job_outbox (task, payload)
        SELECT ${event('signature.withdrawn', 'o.letter_id', ", 'signatureId', o.id")}
          FROM old_rows o
         WHERE o.status = 'confirmed' AND o.held_reason IS NULL
           AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.letter_id = o.letter_id);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER webhooks_signatures_delete AFTER DELETE ON signatures
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION webhooks_signatures_delete()`);
    await q.query(`
      CREATE FUNCTION webhooks_letter_delivered() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.letter_id = NEW.id) THEN
          INSERT INTO job_outbox (task, payload) VALUES (${event('letter.delivered', 'NEW.id', '')});
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER webhooks_letter_delivered AFTER UPDATE OF delivered_at ON letters
      FOR EACH ROW WHEN (OLD.delivered_at IS NULL AND NEW.delivered_at IS NOT NULL) EXECUTE FUNCTION webhooks_letter_delivered()`);
    await q.query(`
      CREATE FUNCTION webhooks_response_received() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.letter_id = NEW.letter_id) THEN
          INSERT INTO job_outbox (task, payload) VALUES (${event('response.received', 'NEW.letter_id', ", 'responseId', NEW.id")});
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER webhooks_response_received AFTER INSERT ON letter_responses
      FOR EACH ROW EXECUTE FUNCTION webhooks_response_received()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS webhooks_response_received ON letter_responses`);
    await q.query(`DROP TRIGGER IF EXISTS webhooks_letter_delivered ON letters`);
    await q.query(`DROP TRIGGER IF EXISTS webhooks_signatures_delete ON signatures`);
    await q.query(`DROP TRIGGER IF EXISTS webhooks_signatures_update ON signatures`);
    await q.query(`DROP FUNCTION IF EXISTS webhooks_response_received()`);
    await q.query(`DROP FUNCTION IF EXISTS webhooks_letter_delivered()`);
    await q.query(`DROP FUNCTION IF EXISTS webhooks_signatures_delete()`);
    await q.query(`DROP FUNCTION IF EXISTS webhooks_signatures_update()`);
    await q.query(`DROP TABLE IF EXISTS webhook_milestones`);
    await q.query(`DROP TABLE IF EXISTS webhook_attempts`);
    await q.query(`DROP TABLE IF EXISTS webhook_deliveries`);
    await q.query(`DROP TABLE IF EXISTS webhook_endpoints`);
    await q.query(`DROP TABLE IF EXISTS api_tokens`);
  }
}
