import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The entries that `end_access_of_member` writes when a member leaves keep the names typed by
 * people (a recipient link's name is often a person's; a token's name is free text; the member's
 * name) in `audit_details`, which erasure and retention reach, as `recordAudit` does for every
 * other entry: the trail row keeps the ids and a reference only.
 */
export class AccessTrailDetails1765000900000 implements MigrationInterface {
  name = 'AccessTrailDetails1765000900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION audit_with_details(letter uuid, actor_id uuid, actor_name text, kind text, kept jsonb, erasable jsonb)
      RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        did bigint;
      BEGIN
        INSERT INTO audit_details (letter_id, detail) VALUES (letter, erasable) RETURNING id INTO did;
        INSERT INTO audit_events (letter_id, actor_id, actor_name, kind, detail, detail_id)
        VALUES (letter, actor_id, actor_name, kind, kept, did);
      END $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION end_access_of_member(letter uuid, member uuid, heir uuid, actor_id uuid, actor_name text) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        member_name text;
        r record;
      BEGIN
        SELECT name INTO member_name FROM organisers WHERE id = member;
        IF heir IS NOT NULL THEN
          FOR r IN UPDATE api_tokens SET created_by = heir
             WHERE letter_id = letter AND created_by IS NOT DISTINCT FROM member AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
            RETURNING id, name LOOP
            PERFORM audit_with_details(letter, actor_id, actor_name, 'api.token-handed-over',
              jsonb_build_object('tokenId', r.id, 'organiserId', member), jsonb_build_object('name', r.name, 'member', member_name));
          END LOOP;
          FOR r IN UPDATE recipient_links SET created_by = heir
             WHERE letter_id = letter AND created_by IS NOT DISTINCT FROM member AND revoked_at IS NULL AND expires_at > now()
            RETURNING id, name LOOP
            PERFORM audit_with_details(letter, actor_id, actor_name, 'recipients.link-handed-over',
              jsonb_build_object('linkId', r.id, 'organiserId', member), jsonb_build_object('name', r.name, 'member', member_name));
          END LOOP;
          FOR r IN UPDATE webhook_endpoints SET created_by = heir
             WHERE letter_id = letter AND created_by IS NOT DISTINCT FROM member
            RETURNING id, url LOOP
            PERFORM audit_with_details(letter, actor_id, actor_name, 'webhooks.endpoint-handed-over',
              jsonb_build_object('endpointId', r.id, 'url', webhook_url_origin(r.url), 'organiserId', member), jsonb_build_object('member', member_name));
          END LOOP;
        ELSE
          FOR r IN UPDATE api_tokens SET revoked_at = now()
             WHERE letter_id = letter AND created_by IS NOT DISTINCT FROM member AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
            RETURNING id, name LOOP
            PERFORM audit_with_details(letter, actor_id, actor_name, 'api.token-revoked-creator',
              jsonb_build_object('tokenId', r.id, 'organiserId', member), jsonb_build_object('name', r.name, 'member', member_name));
          END LOOP;
          FOR r IN UPDATE recipient_links SET revoked_at = now()
             WHERE letter_id = letter AND created_by IS NOT DISTINCT FROM member AND revoked_at IS NULL AND expires_at > now()
            RETURNING id, name LOOP
            PERFORM audit_with_details(letter, actor_id, actor_name, 'recipients.link-revoked-creator',
              jsonb_build_object('linkId', r.id, 'organiserId', member), jsonb_build_object('name', r.name, 'member', member_name));
          END LOOP;
          -- A webhook has no revoked state: it is removed, with its delivery log, as the owners' Remove does.
          FOR r IN DELETE FROM webhook_endpoints
             WHERE letter_id = letter AND created_by IS NOT DISTINCT FROM member
            RETURNING id, url LOOP
            PERFORM audit_with_details(letter, actor_id, actor_name, 'webhooks.endpoint-removed-creator',
              jsonb_build_object('endpointId', r.id, 'url', webhook_url_origin(r.url), 'organiserId', member), jsonb_build_object('member', member_name));
          END LOOP;
        END IF;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The earlier definition (names in the trail row) is not restored: it would put personal
    // text back where erasure cannot reach it.
    await q.query(`DROP FUNCTION IF EXISTS audit_with_details(uuid, uuid, text, text, jsonb, jsonb)`);
  }
}
