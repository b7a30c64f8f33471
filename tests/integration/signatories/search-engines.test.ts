import { grantRole } from '../../../src/core/access/organisers.service';
import robotsParser from 'robots-parser';
import request from 'supertest';
import { listAudit } from '../../../src/core/audit';
import { aLetter, aSignature } from '../../support/factories';
import { anOrganiser, aLetterOf, postForm, signInAs } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';

const BASE = 'http://undersigned.test';
const t = useTestApp();

const NOINDEX = '<meta name="robots" content="noindex';

async function robots() {
  const res = await request(t.app).get('/robots.txt').expect(200);
  return robotsParser(`${BASE}/robots.txt`, res.text);
}

describe('keep names out of search engines: the owners’ switch', () => {
  test('turned off on the edit page, the list drops its noindex and robots.txt lets that list in; turned on again, both come back; the trail records each change', async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner, 'owner');
    const other = await aLetter(t.db);
    await aSignature(t.db, letter, { fullName: 'Listed Person', visibility: 'public' });
    const b = await signInAs(t.app, t.smtp, owner.email);
    const edit = `/organise/letters/${letter.slug}/edit`;
    const action = `/organise/letters/${letter.slug}/search-engines`;
    const listPath = `/letters/${letter.slug}/signatories`;

    // On by default: the box is ticked, the list says noindex, robots.txt keeps crawlers out.
    expect((await b.agent.get(edit).expect(200)).text).toMatch(
      /id="signatories-noindex" name="noindex" value="on" checked/,
    );
    expect((await request(t.app).get(listPath).expect(200)).text).toContain(NOINDEX);
    expect((await robots()).isAllowed(`${BASE}${listPath}`, 'Googlebot')).toBe(false);

    // Off: the box sends nothing.
    const off = await postForm(b, edit, action, {});
    expect(off.status).toBe(303);
    expect(off.headers.location).toBe(`${edit}?saved=1#search-engines`);
    expect((await b.agent.get(edit).expect(200)).text).not.toMatch(
      /id="signatories-noindex" name="noindex" value="on" checked/,
    );
    const open = await request(t.app).get(listPath).expect(200);
    expect(open.text).not.toContain(NOINDEX);
    expect(open.text).toContain('Listed Person');
    const crawl = await robots();
    for (const bot of ['Googlebot', 'SomeOtherBot']) {
      expect(crawl.isAllowed(`${BASE}${listPath}`, bot)).toBe(true);
      expect(crawl.isAllowed(`${BASE}${listPath}?order=name`, bot)).toBe(true);
      // Every other letter's list stays out, and the letter page stays in.
      expect(crawl.isAllowed(`${BASE}/letters/${other.slug}/signatories`, bot)).toBe(false);
      expect(crawl.isAllowed(`${BASE}/letters/${letter.slug}`, bot)).toBe(true);
    }

    // On again.
    expect((await postForm(b, edit, action, { noindex: 'on' })).status).toBe(303);
    expect((await request(t.app).get(listPath).expect(200)).text).toContain(NOINDEX);
    expect((await robots()).isAllowed(`${BASE}${listPath}`, 'Googlebot')).toBe(false);

    // Saving the same choice again records nothing more.
    expect((await postForm(b, edit, action, { noindex: 'on' })).status).toBe(303);
    const kinds = (await listAudit(t.db, letter.id)).map((e) => e.kind).filter((k) => k.startsWith('signatories.'));
    expect(kinds.reverse()).toEqual(['signatories.noindex-off', 'signatories.noindex-on']);
  });

  test('only owners may change it: an editor sees no switch and is refused', async () => {
    const owner = await anOrganiser(t.db);
    const editor = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner, 'owner');
    await grantRole(t.db, editor.email, letter.slug, 'editor');
    const b = await signInAs(t.app, t.smtp, editor.email);
    const edit = `/organise/letters/${letter.slug}/edit`;
    expect((await b.agent.get(edit).expect(200)).text).not.toContain('id="signatories-noindex"');
    expect((await postForm(b, edit, `/organise/letters/${letter.slug}/search-engines`, {})).status).toBe(403);
    const [row] = await t.db.query(`SELECT signatories_noindex FROM letters WHERE id = $1`, [letter.id]);
    expect(row.signatories_noindex).toBe(true);
  });
});
