import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Access ends with its owner. An organiser who leaves a letter's team, or stops being one of its
 * owners, takes with them what they handed out on it: their API tokens and recipient links are
 * revoked and their webhooks removed, each with an entry in the letter's audit trail.
 *
 * The database does it, like the webhook events: a trigger on `letter_organisers` (a member
 * deleted, or an owner's role lowered) acts in the transaction of the change, whatever code path
 * made it (the owners' page, someone leaving, the command line). The code that removes a member
 * says who acts and whether the items go to them instead, in settings local to its transaction:
 *   undersigned.actor_id, undersigned.actor_name: the audit entries' actor (none: the platform);
 *   undersigned.hand_over_to: an owner of the letter who takes the items over (they stay
 *   active, with that owner as their creator), used only if that organiser is an owner still.
 *
 * And the other way round: a token, link or webhook is written only for a creator who is an owner of
 * its letter at that moment. The check takes a share lock on the creator's team row, so an item
 * being made while its creator is removed either commits first (and the removal then ends it) or
 * waits for the removal and is refused: no item slips past a removal.
 *
 * API tokens also get an optional expiry (`expires_at`; an expired token is refused like a
 * revoked one).
 *
 * Items whose creator is already no owner of their letter (removed before this migration) are
 * revoked here, by the platform, each in the trail.
 */
export class AccessEndsWithOwner1765000600000 implements MigrationInterface {
  name = 'AccessEndsWithOwner1765000600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz`);
    await q.query(`CREATE INDEX api_tokens_created_by ON api_tokens (created_by) WHERE revoked_at IS NULL`);
    await q.query(`CREATE INDEX recipient_links_created_by ON recipient_links (created_by) WHERE revoked_at IS NULL`);
    await q.query(`CREATE INDEX webhook_endpoints_created_by ON webhook_endpoints (created_by)`);

    // The origin of a webhook's address, as the trail keeps it (receivers' paths may hold secrets).
    await q.query(`
      CREATE FUNCTION webhook_url_origin(url text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT regexp_replace(coalesce(substring(url from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*'), ''), '//[^@/]*@', '//')
      $$`);

    // Revokes (or hands over to heir) the live items `member` created on `letter`; one audit entry each.
    await q.query(`
      CREATE FUNCTION end_access_of_member(letter uuid, member uuid, heir uuid, actor_id uuid, actor_name text) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        member_name text;
      BEGIN
        SELECT name INTO member_name FROM organisers WHERE id = member;
        IF heir IS NOT NULL THEN
          WITH t AS (
            UPDATE api_tokens SET created_by = heir
             WHERE letter_id = letter AND created_by IS NOT DISTINCT FROM member AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
            RETURNING id, name)
          INSERT INTO audit_events (letter_id, actor_id, actor_name, kind, detail)
          SELECT letter, actor_id, actor_name, 'api.token-handed-over', jsonb_build_object('tokenId', t.id, 'name', t.name, 'organiserId', member, 'member', member_name) FROM t;
          WITH l AS (
            UPDATE recipient_links SET created_by = heir
             WHERE letter_id = letter AND created_by IS NOT DISTINCT FROM member AND revoked_at IS NULL AND expires_at > now()
            RETURNING id, name)
          INSERT INTO audit_events (letter_id, actor_id, actor_name, kind, detail)
          SELECT letter, actor_id, actor_name, 'recipients.link-handed-over', jsonb_build_object('linkId', l.id, 'name', l.name, 'organiserId', member, 'member', member_name) FROM l;
          WITH e AS (
            UPDATE webhook_endpoints SET created_by = heir
             WHERE letter_id = letter AND created_by IS NOT DISTINCT FROM member
            RETURNING id, url)
          INSERT INTO audit_events (letter_id, actor_id, actor_name, kind, detail)
          SELECT letter, actor_id, actor_name, 'webhooks.endpoint-handed-over', jsonb_build_object('endpointId', e.id, 'url', webhook_url_origin(e.url), 'organiserId', member, 'member', member_name) FROM e;
        ELSE
          WITH t AS (
            UPDATE api_tokens SET revoked_at = now()
             WHERE letter_id = letter AND created_by IS NOT DISTINCT FROM member AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
            RETURNING id, name)
          INSERT INTO audit_events (letter_id, actor_id, actor_name, kind, detail)
          SELECT letter, actor_id, actor_name, 'api.token-revoked-creator', jsonb_build_object('tokenId', t.id, 'name', t.name, 'organiserId', member, 'member', member_name) FROM t;
          WITH l AS (
            UPDATE recipient_links SET revoked_at = now()
             WHERE letter_id = letter AND created_by IS NOT DISTINCT FROM member AND revoked_at IS NULL AND expires_at > now()
            RETURNING id, name)
          INSERT INTO audit_events (letter_id, actor_id, actor_name, kind, detail)
          SELECT letter, actor_id, actor_name, 'recipients.link-revoked-creator', jsonb_build_object('linkId', l.id, 'name', l.name, 'organiserId', member, 'member', member_name) FROM l;
          -- A webhook has no revoked state: it is removed, with its delivery log, as the owners' Remove does.
          WITH e AS (
            DELETE FROM webhook_endpoints
             WHERE letter_id = letter AND created_by IS NOT DISTINCT FROM member
            RETURNING id, url)
          INSERT INTO audit_events (letter_id, actor_id, actor_name, kind, detail)
          SELECT letter, actor_id, actor_name, 'webhooks.endpoint-removed-creator', jsonb_build_object('endpointId', e.id, 'url', webhook_url_origin(e.url), 'organiserId', member, 'member', member_name) FROM e;
        END IF;
      END $$`);

    await q.query(`
      CREATE FUNCTION access_ends_with_owner() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        heir uuid := nullif(current_setting('undersigned.hand_over_to', true), '')::uuid;
      BEGIN
        -- The letter itself is being deleted: its items go with it.
        IF NOT EXISTS (SELECT 1 FROM letters WHERE id = OLD.letter_id) THEN RETURN NULL; END IF;
        IF heir IS NOT NULL AND (heir = OLD.organiser_id OR NOT EXISTS (
             SELECT 1 FROM letter_organisers WHERE letter_id = OLD.letter_id AND organiser_id = heir AND role = 'owner')) THEN
          heir := NULL;
        END IF;
        PERFORM end_access_of_member(OLD.letter_id, OLD.organiser_id, heir,
          nullif(current_setting('undersigned.actor_id', true), '')::uuid,
          nullif(current_setting('undersigned.actor_name', true), ''));
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION access_made_by_owner() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.created_by IS NULL THEN RETURN NEW; END IF;
        PERFORM 1 FROM letter_organisers WHERE letter_id = NEW.letter_id AND organiser_id = NEW.created_by AND role = 'owner' FOR SHARE;
        IF NOT FOUND THEN
          RAISE EXCEPTION '% may be created only by an owner of its letter', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    for (const table of ['api_tokens', 'recipient_links', 'webhook_endpoints']) {
      await q.query(
        `CREATE TRIGGER ${table}_made_by_owner BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION access_made_by_owner()`,
      );
    }
    await q.query(`
      CREATE TRIGGER access_ends_member_removed AFTER DELETE ON letter_organisers
      FOR EACH ROW EXECUTE FUNCTION access_ends_with_owner()`);
    await q.query(`
      CREATE TRIGGER access_ends_owner_lowered AFTER UPDATE OF role ON letter_organisers
      FOR EACH ROW WHEN (OLD.role = 'owner' AND NEW.role <> 'owner') EXECUTE FUNCTION access_ends_with_owner()`);

    // What earlier removals left behind: items whose creator is no owner of their letter.
    await q.query(`
      SELECT end_access_of_member(x.letter_id, x.created_by, NULL, NULL, NULL)
        FROM (
          SELECT letter_id, created_by FROM api_tokens WHERE revoked_at IS NULL
          UNION SELECT letter_id, created_by FROM recipient_links WHERE revoked_at IS NULL
          UNION SELECT letter_id, created_by FROM webhook_endpoints
        ) x
       WHERE NOT EXISTS (SELECT 1 FROM letter_organisers lo WHERE lo.letter_id = x.letter_id AND lo.organiser_id = x.created_by AND lo.role = 'owner')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS access_ends_owner_lowered ON letter_organisers`);
    await q.query(`DROP TRIGGER IF EXISTS access_ends_member_removed ON letter_organisers`);
    for (const table of ['api_tokens', 'recipient_links', 'webhook_endpoints'])
      await q.query(`DROP TRIGGER IF EXISTS ${table}_made_by_owner ON ${table}`);
    await q.query(`DROP FUNCTION IF EXISTS access_made_by_owner()`);
    await q.query(`DROP FUNCTION IF EXISTS access_ends_with_owner()`);
    await q.query(`DROP FUNCTION IF EXISTS end_access_of_member(uuid, uuid, uuid, uuid, text)`);
    await q.query(`DROP FUNCTION IF EXISTS webhook_url_origin(text)`);
    await q.query(`DROP INDEX IF EXISTS webhook_endpoints_created_by`);
    await q.query(`DROP INDEX IF EXISTS recipient_links_created_by`);
    await q.query(`DROP INDEX IF EXISTS api_tokens_created_by`);
    await q.query(`ALTER TABLE api_tokens DROP COLUMN IF EXISTS expires_at`);
  }
}
