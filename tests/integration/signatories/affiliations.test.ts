import crypto from 'node:crypto';
import request from 'supertest';
import { listAudit } from '../../../src/core/audit';
import { auditActor, grantRole } from '../../../src/core/access/organisers.service';
import {
  affiliationMatch,
  TASK_AFFILIATIONS,
  recomputeAffiliations,
} from '../../../src/features/signatories/affiliations.service';
import { featureSignatory } from '../../../src/features/signatories/notable.service';
import { aSignature, signForm } from '../../support/factories';
import { confirm, sign } from '../../support/journey';
import { drained } from '../../support/jobs';
import { anOrganiser, aLetterOf, postForm, signInAs } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';

const t = useTestApp();

const MARK = 'affiliation checked by the organisers';
/** A domain of its own per test, so that no test sees another's. */
const aDomain = () => `ngo-${crypto.randomBytes(3).toString('hex')}.org`;

async function ownerAndLetter() {
  const owner = await anOrganiser(t.db);
  const letter = await aLetterOf(t.db, owner, 'owner', { publicNamesDefault: 'public' });
  const b = await signInAs(t.app, t.smtp, owner.email);
  return { owner, letter, b, page: `/organise/letters/${letter.slug}/affiliations` };
}

/** The list's row that names `name`. */
function rowOf(html: string, name: string): string {
  return [...html.matchAll(/<li[^>]*>[\s\S]*?<\/li>/g)].map((m) => m[0]).find((li) => li.includes(name)) ?? '';
}

describe('verified affiliation', () => {
  test('a signature for a listed organisation from an address at its domain shows the mark; the address and the domain never appear publicly', async () => {
    const { letter, b, page } = await ownerAndLetter();
    const domain = aDomain();
    expect((await postForm(b, page, page, { organisation: 'Amnesty International', domain })).status).toBe(303);

    const member = `press.${crypto.randomBytes(3).toString('hex')}@${domain}`;
    const outsider = `someone.${crypto.randomBytes(3).toString('hex')}@example.org`;
    const sameDomainOtherOrg = `staff.${crypto.randomBytes(3).toString('hex')}@${domain}`;
    for (const [email, organisation, name] of [
      [member, 'amnesty international.', 'Checked Organisation'],
      [outsider, 'Amnesty International', 'Outside Address'],
      [sameDomainOtherOrg, 'Another Group', 'Other Organisation'],
    ]) {
      expect(
        (
          await sign(
            t.app,
            letter.slug,
            signForm({ email, organisation, fullName: name, signedAs: 'organisation', visibility: 'public' }),
          )
        ).status,
      ).toBe(303);
      expect((await confirm(t, email)).status).toBe(200);
    }

    const list = (await request(t.app).get(`/letters/${letter.slug}/signatories`).expect(200)).text;
    expect(rowOf(list, 'Checked Organisation')).toContain(MARK);
    expect(rowOf(list, 'Outside Address')).not.toContain(MARK);
    expect(rowOf(list, 'Other Organisation')).not.toContain(MARK);
    // What was checked is said, and reachable without script (a disclosure).
    expect(rowOf(list, 'Checked Organisation')).toMatch(/<details class="affiliation-mark"><summary[^>]*>/);

    const letterPage = (await request(t.app).get(`/letters/${letter.slug}`).expect(200)).text;
    expect(rowOf(letterPage, 'Checked Organisation')).toContain(MARK);
    expect(rowOf(letterPage, 'Outside Address')).not.toContain(MARK);

    const json = (await request(t.app).get(`/letters/${letter.slug}.json`).expect(200)).text;
    for (const body of [list, letterPage, json]) {
      expect(body).not.toContain(domain);
      expect(body).not.toContain(member.split('@')[0]);
    }
    // The API, with a token of the letter's owners (not a delivery one), says nothing of it either.
    const apiPage = `/organise/letters/${letter.slug}/api`;
    const created = await postForm(b, apiPage, `${apiPage}/tokens`, { name: 'newsroom' });
    const token = /id="new-token" type="text" readonly value="(usk_[^"]+)"/.exec(created.text)![1];
    const api = await request(t.app)
      .get(`/api/v1/letters/${letter.slug}/signatures`)
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(api.text).not.toContain(domain);
    expect(api.text).not.toContain(member);
  });

  test('an initials-only individual of a listed organisation shows no mark (the page keeps their organisation to itself)', async () => {
    const { owner, letter } = await ownerAndLetter();
    const domain = aDomain();
    await t.db.query(
      `INSERT INTO affiliation_domains (letter_id, organisation, organisation_key, domain) VALUES ($1, 'Médecins', signatory_search_key('Médecins'), $2)`,
      [letter.id, domain],
    );
    await aSignature(t.db, letter, {
      fullName: 'Quiet Doctor',
      visibility: 'initials',
      organisation: 'Medecins',
      email: `q@${domain}`,
    });
    const signatures = await t.db.query(`SELECT count(*)::int AS n FROM signature_affiliations WHERE letter_id = $1`, [
      letter.id,
    ]);
    expect(signatures[0].n).toBe(1); // checked (accents and case do not matter)...
    const list = (await request(t.app).get(`/letters/${letter.slug}/signatories`).expect(200)).text;
    expect(rowOf(list, 'Q. D.')).not.toContain(MARK); // ...but not shown
    expect(owner).toBeDefined();
  });

  test('signatures confirmed before an entry is added are checked by a job; an owner removes a mark; removing the entry takes its marks; the trail records each change', async () => {
    const { letter, b, page } = await ownerAndLetter();
    const domain = aDomain();
    const early = await aSignature(t.db, letter, {
      fullName: 'Early Member',
      organisation: 'Greenpeace',
      signedAs: 'organisation',
      email: `early@${domain}`,
    });
    const second = await aSignature(t.db, letter, {
      fullName: 'Second Member',
      organisation: 'Greenpeace',
      email: `second@${domain}`,
    });
    // The check is a function of (organisation, address), whatever the field holding the organisation.
    expect(await affiliationMatch(t.db, letter.id, 'Greenpeace', `x@${domain}`)).toBeNull();

    let list = (await request(t.app).get(`/letters/${letter.slug}/signatories`).expect(200)).text;
    expect(rowOf(list, 'Early Member')).not.toContain(MARK);

    expect(
      (await postForm(b, page, page, { organisation: 'Greenpeace', domain: `@${domain.toUpperCase()}` })).status,
    ).toBe(303);
    expect(await affiliationMatch(t.db, letter.id, 'GREENPEACE', `x@${domain}`)).not.toBeNull();
    await drained(t.db, TASK_AFFILIATIONS);
    list = (await request(t.app).get(`/letters/${letter.slug}/signatories`).expect(200)).text;
    expect(rowOf(list, 'Early Member')).toContain(MARK);
    expect(rowOf(list, 'Second Member')).toContain(MARK);

    // The address erased by retention later: the mark stays, computed when it could be.
    await t.db.query(`UPDATE signatures SET email = NULL, email_normalised = NULL WHERE id = $1`, [early.id]);
    expect(await recomputeAffiliations(t.db, letter.id)).toBe(0);
    list = (await request(t.app).get(`/letters/${letter.slug}/signatories`).expect(200)).text;
    expect(rowOf(list, 'Early Member')).toContain(MARK);

    const owners = (await b.agent.get(page).expect(200)).text;
    expect(owners).toContain('Second Member');
    expect((await postForm(b, page, `${page}/marks/${second.id}/remove`)).status).toBe(303);
    list = (await request(t.app).get(`/letters/${letter.slug}/signatories`).expect(200)).text;
    expect(rowOf(list, 'Second Member')).not.toContain(MARK);
    expect(rowOf(list, 'Second Member')).toContain('Second Member');
    // A removed mark stays removed when the letter's signatures are checked again.
    await recomputeAffiliations(t.db, letter.id);
    list = (await request(t.app).get(`/letters/${letter.slug}/signatories`).expect(200)).text;
    expect(rowOf(list, 'Second Member')).not.toContain(MARK);

    const [entry] = await t.db.query(`SELECT id::text AS id FROM affiliation_domains WHERE letter_id = $1`, [
      letter.id,
    ]);
    expect((await postForm(b, page, `${page}/${entry.id}/delete`)).status).toBe(303);
    list = (await request(t.app).get(`/letters/${letter.slug}/signatories`).expect(200)).text;
    expect(rowOf(list, 'Early Member')).not.toContain(MARK);

    const trail = (await listAudit(t.db, letter.id)).filter((e) => e.kind.startsWith('signatories.'));
    expect(trail.map((e) => e.kind).reverse()).toEqual([
      'signatories.affiliation-added',
      'signatories.affiliation-mark-removed',
      'signatories.affiliation-removed',
    ]);
    expect(trail[2].detail).toMatchObject({ organisation: 'Greenpeace', mailDomain: domain });
    expect(trail[0].detail).toMatchObject({ marks: 1 });
  });

  test('a featured organisation shows its mark in the featured block too', async () => {
    const { owner, letter } = await ownerAndLetter();
    const domain = aDomain();
    await t.db.query(
      `INSERT INTO affiliation_domains (letter_id, organisation, organisation_key, domain) VALUES ($1, 'FIDH', signatory_search_key('FIDH'), $2)`,
      [letter.id, domain],
    );
    const sig = await aSignature(t.db, letter, {
      fullName: 'Featured Member',
      organisation: 'FIDH',
      signedAs: 'organisation',
      email: `f@${domain}`,
    });
    await featureSignatory(t.db, letter.id, sig.id, 'League', auditActor(owner));
    const html = (await request(t.app).get(`/letters/${letter.slug}`).expect(200)).text;
    const block = /<section class="featured-signatories"[\s\S]*?<\/section>/.exec(html)![0];
    expect(block).toContain(MARK);
    expect(html).not.toContain(domain);
  });

  test('a domain that is not one is refused beside the field; editors cannot see the page', async () => {
    const { letter, b, page } = await ownerAndLetter();
    for (const domain of ['', 'not a domain', 'localhost', '-bad-.org', 'a@b@c.org']) {
      const res = await postForm(b, page, page, { organisation: 'Org', domain });
      expect(res.status).toBe(422);
      expect(res.text).toContain('id="domain-error"');
    }
    expect((await postForm(b, page, page, { organisation: ' ', domain: aDomain() })).status).toBe(422);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM affiliation_domains WHERE letter_id = $1`, [
      letter.id,
    ]);
    expect(n).toBe(0);

    const editor = await anOrganiser(t.db);
    await grantRole(t.db, editor.email, letter.slug, 'editor');
    const asEditor = await signInAs(t.app, t.smtp, editor.email);
    expect((await asEditor.agent.get(page)).status).toBe(403);
  });
});
