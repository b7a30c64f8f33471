import request from 'supertest';
import { listAudit } from '../../../src/core/audit';
import { auditActor, grantRole } from '../../../src/core/access/organisers.service';
import {
  featureSignatory,
  featuredSignatories,
  FEATURED_DESCRIPTION_MAX,
  MAX_FEATURED,
  TASK_FEATURED_EMAIL,
} from '../../../src/features/signatories/notable.service';
import { eraseInvalidatedContactData } from '../../../src/features/privacy/retention.service';
import { aSignature, anEmail } from '../../support/factories';
import { drained } from '../../support/jobs';
import { anOrganiser, aLetterOf, postForm, signInAs } from '../../support/organisers';
import { linkFrom } from '../../support/smtp-sink';
import { useTestApp } from '../../support/test-app';

const t = useTestApp();

/** The names in the "Notable signatories" block of a page, in the order shown. */
function featuredNames(html: string): string[] {
  const block = /<section class="featured-signatories"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
  return [...block.matchAll(/<p class="featured-name"><strong>([^<]+)<\/strong>/g)].map((m) => m[1]);
}

async function ownerAndLetter() {
  const owner = await anOrganiser(t.db);
  const letter = await aLetterOf(t.db, owner, 'owner');
  const b = await signInAs(t.app, t.smtp, owner.email);
  return { owner, letter, b, page: `/organise/letters/${letter.slug}/notable` };
}

describe('notable signatories', () => {
  test('owners feature public signatories with a line each; the letter page and the list show them in the order chosen, and the trail records each change', async () => {
    const { letter, b, page } = await ownerAndLetter();
    const first = await aSignature(t.db, letter, { fullName: 'Mariam Petrosyan', visibility: 'public' });
    const second = await aSignature(t.db, letter, {
      fullName: 'Jean Moulin',
      visibility: 'public',
      signedAs: 'organisation',
      organisation: 'Ligue des droits',
    });

    const search = await b.agent.get(page).query({ q: 'petros' }).expect(200);
    expect(search.text).toContain('Mariam Petrosyan');
    expect(
      (await postForm(b, page, page, { signatureId: first.id, description: 'Novelist <b>and</b> poet' })).status,
    ).toBe(303);
    expect((await postForm(b, page, page, { signatureId: second.id, description: 'Human rights league' })).status).toBe(
      303,
    );

    let html = (await request(t.app).get(`/letters/${letter.slug}`).expect(200)).text;
    expect(featuredNames(html)).toEqual(['Mariam Petrosyan', 'Ligue des droits']);
    // The owner's line is text, never markup.
    expect(html).toContain('Novelist &lt;b&gt;and&lt;/b&gt; poet');

    // Moved with a button (no script), then by number.
    expect(
      (await postForm(b, page, `${page}/${second.id}`, { action: 'up', description: 'Human rights league' })).status,
    ).toBe(303);
    html = (await request(t.app).get(`/letters/${letter.slug}`).expect(200)).text;
    expect(featuredNames(html)).toEqual(['Ligue des droits', 'Mariam Petrosyan']);
    const list = (await request(t.app).get(`/letters/${letter.slug}/signatories`).expect(200)).text;
    expect(featuredNames(list)).toEqual(['Ligue des droits', 'Mariam Petrosyan']);

    expect(
      (await postForm(b, page, `${page}/${first.id}`, { action: 'save', description: 'Writer', position: '1' })).status,
    ).toBe(303);
    expect((await featuredSignatories(t.db, letter.id)).map((f) => [f.name, f.description])).toEqual([
      ['Mariam Petrosyan', 'Writer'],
      ['Jean Moulin', 'Human rights league'],
    ]);

    expect((await postForm(b, page, `${page}/${second.id}`, { action: 'remove' })).status).toBe(303);
    expect((await featuredSignatories(t.db, letter.id)).map((f) => f.id)).toEqual([first.id]);

    const kinds = (await listAudit(t.db, letter.id))
      .map((e) => e.kind)
      .filter((k) => k.startsWith('signatories.'))
      .reverse();
    expect(kinds).toEqual([
      'signatories.featured',
      'signatories.featured',
      'signatories.featured-moved',
      'signatories.featured-described',
      'signatories.featured-moved',
      'signatories.unfeatured',
    ]);
    const trail = (await b.agent.get(`/organise/letters/${letter.slug}/audit`).expect(200)).text;
    expect(trail).toContain('Featured a signatory at position 1');
    expect(trail).toContain('Moved a featured signatory from position 2 to 1');
  });

  test('a private or initials-only signature cannot be featured, and its name never appears', async () => {
    const { letter, b, page } = await ownerAndLetter();
    const hidden = await aSignature(t.db, letter, { fullName: 'Secret Person', visibility: 'private' });
    const initials = await aSignature(t.db, letter, { fullName: 'Initial Only', visibility: 'initials' });

    expect((await b.agent.get(page).query({ q: 'secret' }).expect(200)).text).not.toContain('Secret Person');
    expect((await b.agent.get(page).query({ q: 'initial' }).expect(200)).text).not.toContain('Initial Only');
    for (const sig of [hidden, initials]) {
      const res = await postForm(b, page, page, { signatureId: sig.id, description: 'x' });
      expect(res.status).toBe(422);
      expect(res.text).toContain('Only a signature whose name is public can be featured.');
    }
    expect(await featuredSignatories(t.db, letter.id)).toEqual([]);
    const html = (await request(t.app).get(`/letters/${letter.slug}`).expect(200)).text;
    expect(html).not.toContain('Secret Person');
    expect(html).not.toContain('Initial Only');
  });

  test('a featured signer who later hides their name drops out of the block by itself', async () => {
    const { owner, letter } = await ownerAndLetter();
    const sig = await aSignature(t.db, letter, { fullName: 'Later Private', visibility: 'public' });
    expect((await featureSignatory(t.db, letter.id, sig.id, '', auditActor(owner))).ok).toBe(true);
    await t.db.query(`UPDATE signatures SET visibility = 'initials' WHERE id = $1`, [sig.id]);
    expect(await featuredSignatories(t.db, letter.id)).toEqual([]);
    expect((await request(t.app).get(`/letters/${letter.slug}`).expect(200)).text).not.toContain('Later Private');
  });

  test('the list is bounded, and the line is one line of limited length', async () => {
    const { owner, letter, b, page } = await ownerAndLetter();
    const actor = auditActor(owner);
    for (let i = 0; i < MAX_FEATURED; i++) {
      const s = await aSignature(t.db, letter, { fullName: `Featured ${i}`, visibility: 'public', email: null });
      expect((await featureSignatory(t.db, letter.id, s.id, `n${i}`, actor)).ok).toBe(true);
    }
    const extra = await aSignature(t.db, letter, { fullName: 'One Too Many', visibility: 'public' });
    const full = await postForm(b, page, page, { signatureId: extra.id, description: 'x' });
    expect(full.status).toBe(422);
    expect(full.text).toContain('The featured list is full');

    const [firstFeatured] = await featuredSignatories(t.db, letter.id);
    const tooLong = await postForm(b, page, `${page}/${firstFeatured.id}`, {
      action: 'save',
      description: 'x'.repeat(FEATURED_DESCRIPTION_MAX + 1),
    });
    expect(tooLong.status).toBe(422);
    expect(tooLong.text).toContain(`at most ${FEATURED_DESCRIPTION_MAX} characters`);
    expect((await featuredSignatories(t.db, letter.id)).length).toBe(MAX_FEATURED);
  });

  test('the featured signer is told in their language; the link’s GET changes nothing; its button ends the feature and leaves the signature', async () => {
    const { letter, b, page } = await ownerAndLetter();
    const email = anEmail('featured');
    const sig = await aSignature(t.db, letter, {
      fullName: 'Anne Lefèvre',
      visibility: 'public',
      language: 'fr',
      email,
    });
    expect((await postForm(b, page, page, { signatureId: sig.id, description: 'Avocate' })).status).toBe(303);

    const [mail] = await t.smtp.waitFor(email, 1);
    expect(mail.subject).toContain('signataires notables');
    expect(mail.text).toContain('Avocate');
    linkFrom(mail, '/s/unfeature/');
    // The link opens the page in the language the signer signed in.
    const path = /\/s\/unfeature\/[A-Za-z0-9_-]+\?lang=fr/.exec(mail.text)![0];
    await drained(t.db, TASK_FEATURED_EMAIL);

    // Opening the link (as a mail scanner does) shows a button and changes nothing.
    const shown = await request(t.app).get(path).expect(200);
    expect(shown.headers['cache-control']).toContain('no-store');
    expect(shown.text).toContain('<form method="post" action="/s/unfeature/');
    expect((await featuredSignatories(t.db, letter.id)).map((f) => f.id)).toEqual([sig.id]);

    const csrf = /name="_csrf" value="([^"]+)"/.exec(shown.text)![1];
    const cookie = ([] as string[])
      .concat(shown.headers['set-cookie'] ?? [])
      .map((c) => c.split(';')[0])
      .join('; ');
    const action = /<form method="post" action="([^"]+)"/.exec(shown.text)![1].replace(/&amp;/g, '&');
    const done = await request(t.app).post(action).set('cookie', cookie).type('form').send({ _csrf: csrf });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Vous n’êtes plus mis en avant');

    expect(await featuredSignatories(t.db, letter.id)).toEqual([]);
    const [still] = await t.db.query(`SELECT status FROM signatures WHERE id = $1`, [sig.id]);
    expect(still.status).toBe('confirmed');
    expect((await request(t.app).get(`/letters/${letter.slug}/signatories`).expect(200)).text).toContain(
      'Anne Lefèvre',
    );
    expect((await listAudit(t.db, letter.id, { kind: 'signatories.feature-withdrawn' })).length).toBe(1);

    // The owners cannot put them back.
    const again = await postForm(b, page, page, { signatureId: sig.id, description: 'Avocate' });
    expect(again.status).toBe(422);
    expect(again.text).toContain('withdrew from the featured list');
  });

  test('an unknown link is a 404 page, and editors cannot reach the owners’ page', async () => {
    expect((await request(t.app).get('/s/unfeature/not-a-real-token-at-all-000000').expect(404)).text).not.toContain(
      '<form method="post"',
    );
    const owner = await anOrganiser(t.db);
    const editor = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner, 'owner');
    await grantRole(t.db, editor.email, letter.slug, 'editor');
    const asEditor = await signInAs(t.app, t.smtp, editor.email);
    expect((await asEditor.agent.get(`/organise/letters/${letter.slug}/notable`)).status).toBe(403);
  });

  test('retention: when an invalidated signer’s name is erased, the owners’ line about them and their affiliation mark go with it', async () => {
    const { owner, letter } = await ownerAndLetter();
    const sig = await aSignature(t.db, letter, {
      fullName: 'Erased Later',
      visibility: 'public',
      organisation: 'Some Org',
      email: 'member@erased-later.org',
    });
    await t.db.query(
      `INSERT INTO affiliation_domains (letter_id, organisation, organisation_key, domain) VALUES ($1, 'Some Org', signatory_search_key('Some Org'), 'erased-later.org')`,
      [letter.id],
    );
    await t.db.query(
      `INSERT INTO signature_affiliations (signature_id, letter_id, domain_id)
                      SELECT $1, $2, id FROM affiliation_domains WHERE letter_id = $2`,
      [sig.id, letter.id],
    );
    expect((await featureSignatory(t.db, letter.id, sig.id, 'Says who they are', auditActor(owner))).ok).toBe(true);
    await t.db.query(
      `UPDATE signatures SET status = 'invalidated', invalidated_at = now() - interval '40 days', invalidated_reason = 'x' WHERE id = $1`,
      [sig.id],
    );
    await eraseInvalidatedContactData(t.db, 30);
    const left = await t.db.query(
      `SELECT (SELECT count(*)::int FROM featured_signatories WHERE signature_id = $1) AS featured,
              (SELECT count(*)::int FROM signature_affiliations WHERE signature_id = $1) AS marks`,
      [sig.id],
    );
    expect(left[0]).toEqual({ featured: 0, marks: 0 });
  });

  test('a signer featured, taken off and featured again is told once (the first link still works)', async () => {
    const { letter, b, page } = await ownerAndLetter();
    const email = anEmail('refeatured');
    const sig = await aSignature(t.db, letter, { fullName: 'Told Once', visibility: 'public', email });
    for (let i = 0; i < 3; i++) {
      expect((await postForm(b, page, page, { signatureId: sig.id, description: `take ${i}` })).status).toBe(303);
      await drained(t.db, TASK_FEATURED_EMAIL);
      expect((await postForm(b, page, `${page}/${sig.id}`, { action: 'remove' })).status).toBe(303);
    }
    expect((await postForm(b, page, page, { signatureId: sig.id, description: 'last' })).status).toBe(303);
    await drained(t.db, TASK_FEATURED_EMAIL);
    expect(t.smtp.to(email).length).toBe(1);
    const [mail] = t.smtp.to(email);
    const path = /\/s\/unfeature\/[A-Za-z0-9_-]+\?lang=en/.exec(mail.text)![0];
    const shown = await request(t.app).get(path).expect(200);
    expect(shown.text).toContain('<form method="post" action="/s/unfeature/');
  });
});
