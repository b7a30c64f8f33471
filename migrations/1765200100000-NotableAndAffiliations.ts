import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notable signatories and verified affiliations (both shown on the letter page and the list).
 *
 * - `featured_signatories`: the signatures a letter's owners feature, in their order, each with one
 *   line the owner typed. A signer who withdraws from the feature keeps a row with `withdrawn_at`,
 *   so that the owners cannot feature them again; the row goes with the signature.
 * - `affiliation_domains`: per letter, the mail domains the owners list for an organisation (the
 *   organisation's name kept as typed and as a search key, so that "Amnesty International." and
 *   "amnesty international" are one). Organiser data, not a signer's.
 * - `signature_affiliations`: which signature an entry matched. Computed when the signature is
 *   confirmed (a trigger, whatever path confirms it), because retention erases the address later;
 *   an entry removed takes its marks with it; `removed_at` is an owner's removal of one mark.
 *   `affiliation_match` is the check, a function of (letter, organisation, address), so that
 *   another field (a title) can be checked by the same rule.
 */
export class NotableAndAffiliations1765200100000 implements MigrationInterface {
  name = 'NotableAndAffiliations1765200100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE featured_signatories (
        signature_id uuid PRIMARY KEY REFERENCES signatures(id) ON DELETE CASCADE,
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        position integer NOT NULL,
        description varchar(140) NOT NULL DEFAULT '',
        featured_at timestamptz NOT NULL DEFAULT now(),
        withdrawn_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX featured_signatories_letter ON featured_signatories (letter_id, position) WHERE withdrawn_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE affiliation_domains (
        id bigserial PRIMARY KEY,
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        organisation varchar(200) NOT NULL,
        organisation_key text NOT NULL,
        domain varchar(253) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (letter_id, domain, organisation_key)
      )`);
    await q.query(`
      CREATE TABLE signature_affiliations (
        signature_id uuid PRIMARY KEY REFERENCES signatures(id) ON DELETE CASCADE,
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        domain_id bigint NOT NULL REFERENCES affiliation_domains(id) ON DELETE CASCADE,
        checked_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz
      )`);
    await q.query(`CREATE INDEX signature_affiliations_domain ON signature_affiliations (domain_id)`);
    await q.query(`CREATE INDEX signature_affiliations_letter ON signature_affiliations (letter_id, checked_at DESC)`);
    await q.query(`
      CREATE FUNCTION affiliation_match(p_letter uuid, p_organisation text, p_email text) RETURNS bigint
      LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT d.id FROM public.affiliation_domains d
         WHERE d.letter_id = p_letter
           AND d.domain = lower(substring(p_email from '@([^@]+)$'))
           AND d.organisation_key = public.signatory_search_key(p_organisation)
           AND public.signatory_search_key(p_organisation) <> ''
         LIMIT 1 $$`);
    await q.query(`
      CREATE FUNCTION signature_affiliation_on_confirm() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE matched bigint;
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.status = 'confirmed' THEN RETURN NULL; END IF;
        matched := public.affiliation_match(NEW.letter_id, NEW.organisation, coalesce(NEW.email_normalised, NEW.email));
        IF matched IS NOT NULL THEN
          INSERT INTO public.signature_affiliations (signature_id, letter_id, domain_id)
          VALUES (NEW.id, NEW.letter_id, matched) ON CONFLICT (signature_id) DO NOTHING;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER signatures_affiliation AFTER INSERT OR UPDATE OF status ON signatures
        FOR EACH ROW WHEN (NEW.status = 'confirmed' AND NEW.organisation IS NOT NULL AND NEW.email IS NOT NULL)
        EXECUTE FUNCTION signature_affiliation_on_confirm()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER signatures_affiliation ON signatures`);
    await q.query(`DROP FUNCTION signature_affiliation_on_confirm()`);
    await q.query(`DROP FUNCTION affiliation_match(uuid, text, text)`);
    await q.query(`DROP TABLE signature_affiliations`);
    await q.query(`DROP TABLE affiliation_domains`);
    await q.query(`DROP TABLE featured_signatories`);
  }
}
