import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each letter's audit trail becomes a hash chain: every entry carries its place in the letter's
 * chain (`chain_seq`, 1, 2, 3…), the hash of the entry before (`prev_hash`, null for the first)
 * and its own `hash`, SHA-256 over the previous hash and the entry's content. `audit_chain_heads`
 * holds each letter's newest place and hash; the PDF delivery pack prints it, so a trail changed
 * later (even by the table's owner, who can set the append-only trigger aside) no longer ends in
 * the hash the recipients hold.
 *
 * One chain per letter, not one for the whole instance: the pack is per letter and its head
 * covers exactly that letter's trail, a letter's trail is verified without reading the others,
 * and inserts on different letters never wait for each other. The BEFORE INSERT trigger takes
 * the letter's head row FOR UPDATE, so two concurrent entries of one letter take turns (the second
 * waits for the first to commit and then reads its hash); a transaction at REPEATABLE READ that
 * would read a head changed since its snapshot fails with a serialization error instead of
 * forking, and the unique (letter_id, chain_seq) index refuses a fork whatever happens.
 *
 * The trigger function runs as its owner (SECURITY DEFINER): the runtime role may only read
 * `audit_chain_heads`, never write it. Rows written before are chained here in id order, the
 * append-only trigger disabled for this change inside the migration's transaction and enabled
 * again before it commits.
 */
export class AuditChain1765000710000 implements MigrationInterface {
  name = 'AuditChain1765000710000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE audit_events ADD COLUMN chain_seq bigint, ADD COLUMN prev_hash bytea, ADD COLUMN hash bytea`,
    );
    await q.query(`
      CREATE TABLE audit_chain_heads (
        letter_id uuid PRIMARY KEY,
        seq bigint NOT NULL,
        hash bytea NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The text one entry is hashed from: unambiguous (a JSON array), independent of the session's
    // time zone (microseconds since the epoch) and of key order (jsonb's own canonical text).
    await q.query(`
      CREATE FUNCTION audit_event_canonical(prev bytea, e audit_events) RETURNS text LANGUAGE sql STABLE AS $$
        SELECT jsonb_build_array(
          encode(coalesce(prev, ''::bytea), 'hex'), e.chain_seq, e.id, e.letter_id, e.actor_id, e.actor_name, e.kind, e.detail, e.detail_id,
          (extract(epoch FROM e.created_at) * 1000000)::bigint
        )::text
      $$`);
    await q.query(`
      CREATE FUNCTION audit_event_hash(prev bytea, e audit_events) RETURNS bytea LANGUAGE sql STABLE AS $$
        SELECT sha256(convert_to(audit_event_canonical(prev, e), 'UTF8'))
      $$`);
    await q.query(`
      CREATE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        head audit_chain_heads;
      BEGIN
        INSERT INTO audit_chain_heads (letter_id, seq, hash) VALUES (NEW.letter_id, 0, ''::bytea) ON CONFLICT (letter_id) DO NOTHING;
        SELECT * INTO head FROM audit_chain_heads WHERE letter_id = NEW.letter_id FOR UPDATE;
        NEW.chain_seq := head.seq + 1;
        NEW.prev_hash := CASE WHEN head.seq = 0 THEN NULL ELSE head.hash END;
        NEW.hash := audit_event_hash(NEW.prev_hash, NEW);
        UPDATE audit_chain_heads SET seq = NEW.chain_seq, hash = NEW.hash, updated_at = now() WHERE letter_id = NEW.letter_id;
        RETURN NEW;
      END $$`);

    await q.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change`);
    await q.query(`
      DO $$
      DECLARE
        r record;
        prev bytea;
        cur uuid;
        n bigint;
      BEGIN
        FOR r IN SELECT id, letter_id FROM audit_events ORDER BY letter_id, id LOOP
          IF cur IS DISTINCT FROM r.letter_id THEN
            cur := r.letter_id;
            prev := NULL;
            n := 0;
          END IF;
          n := n + 1;
          UPDATE audit_events SET chain_seq = n, prev_hash = prev WHERE id = r.id;
          UPDATE audit_events e SET hash = audit_event_hash(prev, e) WHERE id = r.id RETURNING e.hash INTO prev;
        END LOOP;
      END $$`);
    await q.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change`);
    await q.query(`
      INSERT INTO audit_chain_heads (letter_id, seq, hash)
      SELECT DISTINCT ON (letter_id) letter_id, chain_seq, hash FROM audit_events ORDER BY letter_id, chain_seq DESC`);

    await q.query(`ALTER TABLE audit_events ALTER COLUMN chain_seq SET NOT NULL, ALTER COLUMN hash SET NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX audit_events_chain ON audit_events (letter_id, chain_seq)`);
    await q.query(
      `CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_chain()`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('AuditChain1765000710000 cannot be reverted: the trail is append-only'));
  }
}
