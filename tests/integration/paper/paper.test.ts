import request from 'supertest';
import { PaperImport } from '../../../src/features/paper/paper-import.entity';
import { verifiedCount } from '../../../src/core/letters/counts.service';
import { Signature } from '../../../src/features/signatures/signature.entity';
import { aSignature } from '../../support/factories';
import { aLetterOf, anOrganiser, signInAs, type Browser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';

let owner: Awaited<ReturnType<typeof anOrganiser>>;
let b: Browser;
const t = useTestApp();
beforeAll(async () => {
  owner = await anOrganiser(t.db);
  b = await signInAs(t.app, t.smtp, owner.email);
});

const FUTURE = `${new Date().getUTCFullYear() + 1}-01-01`;

/** A sheet as Excel in much of Europe saves it: UTF-8 with a BOM, semicolons. */
const SHEET = [
  '\uFEFFName;Country;City;Date',
  'Олена Ковальчук;UA;Київ;2025-11-02',
  'Jean Dupont;France;Lyon;2025-11-03',
  'Айгерім Қасымқызы;kaz;Алматы;2025-11-04',
  ';UA;Львів;2025-11-02',
  'Ivan Petrov;Atlantis;;2025-11-02',
  'Anna Schmidt;DE;Berlin;2025-13-01',
  'Marie Curie;FR;Paris;' + FUTURE,
  'олена  ковальчук;Ukraine;київ;2025-11-05',
].join('\r\n');

async function upload(slug: string, csv: string, as: 'file' | 'text' = 'file') {
  const page = `/organise/letters/${slug}/paper`;
  const req = b.agent.post(await b.uploadAction(page));
  return as === 'file'
    ? req.attach('file', Buffer.from(csv, 'utf8'), { filename: 'sheet.csv', contentType: 'text/csv' })
    : req.field('text', csv);
}

async function previewOf(slug: string, csv: string, as: 'file' | 'text' = 'file') {
  const res = await upload(slug, csv, as);
  expect(res.status).toBe(303);
  const page = await b.agent.get(res.headers.location);
  expect(page.status).toBe(200);
  const id = res.headers.location.split('/').pop()!;
  return { id, page };
}

async function importRows(slug: string, id: string) {
  const csrf = await b.csrfFrom(`/organise/letters/${slug}/paper/${id}`);
  return b.agent.post(`/organise/letters/${slug}/paper/${id}/import`).type('form').send({ _csrf: csrf });
}

describe('paper signatures', () => {
  test('the preview lists every row with its problems and saves no signature', async () => {
    const letter = await aLetterOf(t.db, owner);
    const { page } = await previewOf(letter.slug, SHEET);
    expect(page.text).toContain('3 rows can be imported; 5 have problems and will be skipped.');
    expect(page.text).toContain('Import 3 valid rows');
    expect(page.text).toContain('Олена Ковальчук');
    expect(page.text).toContain('Name is missing');
    expect(page.text).toContain('Unknown country');
    expect(page.text).toContain('Date is not YYYY-MM-DD');
    expect(page.text).toContain('Date is in the future');
    expect(page.text).toContain('Same person as an earlier line');
    expect(page.text).toContain('Kazakhstan'); // kaz (alpha-3) was understood
    expect(await t.db.getRepository(Signature).countBy({ letterId: letter.id })).toBe(0);
    expect(await verifiedCount(t.db, letter.id)).toBe(0);
  });

  test('importing saves the valid rows as private, confirmed paper signatures without email, counted exactly once', async () => {
    const letter = await aLetterOf(t.db, owner);
    const { id } = await previewOf(letter.slug, SHEET);
    const res = await importRows(letter.slug, id);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/organise/letters/${letter.slug}/paper?imported=3`);
    const saved = await t.db
      .getRepository(Signature)
      .find({ where: { letterId: letter.id }, order: { fullName: 'ASC' } });
    expect(saved.map((s) => [s.fullName, s.country, s.city])).toEqual([
      ['Jean Dupont', 'FR', 'Lyon'],
      ['Айгерім Қасымқызы', 'KZ', 'Алматы'],
      ['Олена Ковальчук', 'UA', 'Київ'],
    ]);
    for (const s of saved) {
      expect(s).toMatchObject({
        source: 'paper',
        status: 'confirmed',
        visibility: 'private',
        wantsUpdates: false,
        email: null,
        emailNormalised: null,
      });
    }
    expect(saved.find((s) => s.country === 'FR')!.confirmedAt!.toISOString()).toBe('2025-11-03T00:00:00.000Z');
    expect(await verifiedCount(t.db, letter.id)).toBe(3);
    const publicPage = await request(t.app).get(`/letters/${letter.slug}?lang=en`);
    expect(publicPage.text).toContain('3 verified signatures');

    // A second click on "Import" imports nothing more.
    const again = await importRows(letter.slug, id);
    expect(again.status).toBe(409);
    expect(await t.db.getRepository(Signature).countBy({ letterId: letter.id })).toBe(3);
    expect(await verifiedCount(t.db, letter.id)).toBe(3);
    // Nobody is emailed.
    await new Promise((r) => setTimeout(r, 300));
    expect(t.smtp.messages.filter((m) => m.to.endsWith('.invalid'))).toHaveLength(0);
  });

  test('pasted text with commas and English country names is read the same way', async () => {
    const letter = await aLetterOf(t.db, owner);
    const { id, page } = await previewOf(
      letter.slug,
      'name,country,city,date\n"Smith, John",United Kingdom,,2025-10-01\nJane Roe,us,Boston,2025-10-02\n',
      'text',
    );
    expect(page.text).toContain('2 rows can be imported; 0 have problems');
    expect((await importRows(letter.slug, id)).status).toBe(303);
    const names = (await t.db.getRepository(Signature).findBy({ letterId: letter.id }))
      .map((s) => `${s.fullName}/${s.country}`)
      .sort();
    expect(names).toEqual(['Jane Roe/US', 'Smith, John/GB']);
  });

  test('a failure half-way through the import saves no row and counts nothing', async () => {
    const letter = await aLetterOf(t.db, owner);
    const { id } = await previewOf(
      letter.slug,
      'name,country,city,date\nA One,UA,,2025-10-01\nB Two,UA,,2025-10-01\nC Three,FR,,2025-10-01\n',
    );
    // The last row breaks a database constraint (full_name is at most 200 characters).
    await t.db.query(
      `UPDATE paper_imports SET rows = jsonb_set(rows, '{2,name}', to_jsonb(repeat('x', 300))) WHERE id = $1`,
      [id],
    );
    const res = await importRows(letter.slug, id);
    expect(res.status).toBe(500);
    expect(await t.db.getRepository(Signature).countBy({ letterId: letter.id })).toBe(0);
    expect(await verifiedCount(t.db, letter.id)).toBe(0);
    expect((await t.db.getRepository(PaperImport).findOneByOrFail({ id })).status).toBe('preview');
  });

  test('a sheet without the named columns, or an empty one, is refused with a clear message', async () => {
    const letter = await aLetterOf(t.db, owner);
    const noHeader = await upload(letter.slug, 'Олена;UA;Київ;2025-11-02\n');
    expect(noHeader.status).toBe(422);
    expect(noHeader.text).toContain('The first line must name the columns');
    const empty = await upload(letter.slug, '', 'text');
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('The file or text is empty.');
    expect(await t.db.getRepository(PaperImport).countBy({ letterId: letter.id })).toBe(0);
  });

  test("upload and import need the CSRF token (403), and another organiser's letter answers 404", async () => {
    const letter = await aLetterOf(t.db, owner);
    const noToken = await b.agent
      .post(`/organise/letters/${letter.slug}/paper`)
      .attach('file', Buffer.from(SHEET), 'sheet.csv');
    expect(noToken.status).toBe(403);
    const { id } = await previewOf(letter.slug, SHEET);
    const importNoToken = await b.agent
      .post(`/organise/letters/${letter.slug}/paper/${id}/import`)
      .type('form')
      .send({});
    expect(importNoToken.status).toBe(403);
    expect(await t.db.getRepository(Signature).countBy({ letterId: letter.id })).toBe(0);

    const stranger = await anOrganiser(t.db);
    const theirs = await aLetterOf(t.db, stranger);
    expect((await b.agent.get(`/organise/letters/${theirs.slug}/paper`)).status).toBe(404);
    const csrf = await b.csrfFrom(`/organise/letters/${letter.slug}/paper`);
    const res = await b.agent
      .post(`/organise/letters/${theirs.slug}/paper?_csrf=${encodeURIComponent(csrf)}`)
      .field('text', SHEET);
    expect(res.status).toBe(404);
    // Their preview cannot be reached or imported through my letter either.
    const imp = await b.agent
      .post(`/organise/letters/${letter.slug}/paper/${id}/import`)
      .type('form')
      .send({ _csrf: csrf });
    expect(imp.status).toBe(303);
    const otherId = (
      await t.db.getRepository(PaperImport).save({ letterId: theirs.id, rows: [], validRows: 0, invalidRows: 0 })
    ).id;
    expect((await b.agent.get(`/organise/letters/${letter.slug}/paper/${otherId}`)).status).toBe(404);
    expect(await t.db.getRepository(PaperImport).countBy({ letterId: theirs.id })).toBe(1);
  });

  test('a file over the size limit is refused with 413', async () => {
    const letter = await aLetterOf(t.db, owner);
    const big = Buffer.alloc(2 * 1024 * 1024 + 10, 'a');
    const res = await b.agent
      .post(await b.uploadAction(`/organise/letters/${letter.slug}/paper`))
      .attach('file', big, 'big.csv');
    expect(res.status).toBe(413);
  });
});

describe('paper signatures that match online ones', () => {
  test('same name and country as an online signature (case, accents, spaces aside) are flagged; the organiser imports only the ticked ones', async () => {
    const letter = await aLetterOf(t.db, owner);
    const online = (fullName: string, country: string) => aSignature(t.db, letter, { fullName, country });
    await online('Chloé Martin', 'FR');
    await online('Олексій Шевченко', 'UA');
    await online('Jean Dupont', 'BE'); // another country: not the same person
    const sheet = [
      'name,country,city,date',
      'CHLOE   martin,FR,Lyon,2025-11-02',
      'ОЛЕКСІИ  шевченко,UA,Київ,2025-11-02',
      'Jean Dupont,FR,Paris,2025-11-03',
      'Somebody Else,FR,Nantes,2025-11-03',
    ].join('\n');
    const { id, page } = await previewOf(letter.slug, sheet);
    expect(page.text).toContain('Possible duplicates of online signatures: 2.');
    expect((page.text.match(/class="row-duplicate"/g) ?? []).length).toBe(4); // two rows, each with its note
    const preview = await t.db.getRepository(PaperImport).findOneByOrFail({ id });
    expect(preview.rows.filter((r) => r.possibleDuplicate).map((r) => r.line)).toEqual([2, 3]);

    // The organiser keeps the second (another Oleksii Shevchenko) and skips the first.
    const csrf = await b.csrfFrom(`/organise/letters/${letter.slug}/paper/${id}`);
    const res = await b.agent
      .post(`/organise/letters/${letter.slug}/paper/${id}/import`)
      .type('form')
      .send({ _csrf: csrf, include: '3' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toContain('imported=3');
    const paper = await t.db.getRepository(Signature).findBy({ letterId: letter.id, source: 'paper' });
    expect(paper.map((s) => s.fullName).sort()).toEqual(['Jean Dupont', 'Somebody Else', 'ОЛЕКСІИ шевченко']);
    expect(paper.filter((s) => s.matchedOnline).map((s) => s.fullName)).toEqual(['ОЛЕКСІИ шевченко']);
    expect(await verifiedCount(t.db, letter.id)).toBe(6);
    const report = (await request(t.app).get(`/letters/${letter.slug}.json`).expect(200)).body.integrity;
    expect(report).toMatchObject({ paper: 3, paperMatched: 1, counted: 6 });
  });
});
