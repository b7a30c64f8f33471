import { PassThrough } from 'node:stream';
import { parse as parseCsv } from 'csv-parse/sync';
import pdfParse from 'pdf-parse';
import request from 'supertest';
import { ExportAudit } from '../../../src/features/exports/export-audit.entity';
import { exportSignatures } from '../../../src/features/exports/export.service';
import { Letter } from '../../../src/core/letters/letter.entity';
import type { Organiser } from '../../../src/core/access/organiser.entity';
import { grantRole } from '../../../src/core/access/organisers.service';
import { aLetterOf, anOrganiser, signInAs, type Browser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';
import { aSigner } from '../../support/factories';
import { download, exportBody, type ExportFormFields } from '../../support/exports';
import { readXlsx } from '../../support/files';

let organiser: Organiser;
let b: Browser;

const t = useTestApp();
beforeAll(async () => {
  organiser = await anOrganiser(t.db);
  b = await signInAs(t.app, t.smtp, organiser.email);
});

async function csvRows(slug: string, fields: ExportFormFields = {}): Promise<Array<Record<string, string>>> {
  const res = await download(b, slug, { format: 'csv', ...fields });
  expect(res.status).toBe(200);
  return parseCsv<Record<string, string>>(res.body as Buffer, { bom: true, columns: true });
}

describe('who appears, and how, in delivery and publication files', () => {
  let slug: string;
  beforeAll(async () => {
    const letter = await aLetterOf(t.db, organiser);
    slug = letter.slug;
    await aSigner(t.db, letter, { fullName: 'Айгерім Қасымқызы', visibility: 'public', city: 'Алматы', country: 'KZ' });
    await aSigner(t.db, letter, {
      fullName: 'Мұхтар Әбілқасымұлы',
      visibility: 'initials',
      city: 'Астана',
      country: 'KZ',
    });
    await aSigner(t.db, letter, { fullName: 'Олена Ковальчук', visibility: 'private', city: 'Київ' });
    await aSigner(t.db, letter, { fullName: 'Hidden Person', visibility: 'public', hidden: true });
  });

  test('delivery carries the full name of every counted signer, whatever they chose for the public page', async () => {
    const rows = await csvRows(slug, { purpose: 'delivery' });
    expect(rows.map((r) => r.Name)).toEqual([
      'Айгерім Қасымқызы',
      'Мұхтар Әбілқасымұлы',
      'Олена Ковальчук',
      'Hidden Person',
    ]);
  });

  test('publication shows public names, initials for initials-only signers (without their city), and leaves private and hidden signers out', async () => {
    const rows = await csvRows(slug, { purpose: 'publication' });
    expect(rows.map((r) => r.Name)).toEqual(['Айгерім Қасымқызы', 'М. Ә.']);
    expect(rows.map((r) => r.City)).toEqual(['Алматы', '']);
  });
});

describe('filters', () => {
  let letter: Letter;
  beforeAll(async () => {
    letter = await aLetterOf(t.db, organiser);
    await aSigner(t.db, letter, { fullName: 'Early Verified', country: 'UA', at: new Date('2025-10-01T10:00:00Z') });
    await aSigner(t.db, letter, { fullName: 'Mid Verified KZ', country: 'KZ', at: new Date('2025-10-15T23:59:00Z') });
    await aSigner(t.db, letter, {
      fullName: 'Late Organisation',
      country: 'FR',
      signedAs: 'organisation',
      organisation: 'Amnesty',
      at: new Date('2025-11-20T08:00:00Z'),
    });
    await aSigner(t.db, letter, { fullName: 'Still Pending', status: 'pending', at: new Date('2025-10-20T08:00:00Z') });
    await aSigner(t.db, letter, {
      fullName: 'Held For Review',
      heldReason: 'burst',
      at: new Date('2025-10-21T08:00:00Z'),
    });
    await aSigner(t.db, letter, {
      fullName: 'Invalidated Spam',
      status: 'invalidated',
      at: new Date('2025-10-22T08:00:00Z'),
    });
  });

  test('by default only verified signatures (the public count) are exported', async () => {
    expect((await csvRows(letter.slug)).map((r) => r.Name)).toEqual([
      'Early Verified',
      'Mid Verified KZ',
      'Late Organisation',
    ]);
  });

  test('"all" adds pending and held signatures but never an invalidated one', async () => {
    expect((await csvRows(letter.slug, { scope: 'all' })).map((r) => r.Name)).toEqual([
      'Early Verified',
      'Mid Verified KZ',
      'Still Pending',
      'Held For Review',
      'Late Organisation',
    ]);
  });

  test('a date range includes both whole days', async () => {
    expect((await csvRows(letter.slug, { from: '2025-10-15', to: '2025-10-15' })).map((r) => r.Name)).toEqual([
      'Mid Verified KZ',
    ]);
    expect((await csvRows(letter.slug, { from: '2025-10-02' })).map((r) => r.Name)).toEqual([
      'Mid Verified KZ',
      'Late Organisation',
    ]);
  });

  test('country and individuals/organisations narrow the list', async () => {
    expect((await csvRows(letter.slug, { country: 'KZ' })).map((r) => r.Name)).toEqual(['Mid Verified KZ']);
    expect((await csvRows(letter.slug, { signedAs: 'organisation' })).map((r) => r.Name)).toEqual([
      'Late Organisation',
    ]);
    expect((await csvRows(letter.slug, { signedAs: 'individual' })).map((r) => r.Name)).toEqual([
      'Early Verified',
      'Mid Verified KZ',
    ]);
  });

  test('a reversed date range is refused with a message beside the field', async () => {
    const res = await download(b, letter.slug, { format: 'csv', from: '2025-11-01', to: '2025-10-01' });
    expect(res.status).toBe(422);
    const html = (res.body as Buffer).toString('utf8');
    expect(html).toContain('id="to-error"');
    expect(html).toContain('The end date is before the start date.');
  });
});

describe('email addresses', () => {
  let slug: string;
  beforeAll(async () => {
    const letter = await aLetterOf(t.db, organiser);
    slug = letter.slug;
    await aSigner(t.db, letter, { fullName: 'Айгерім Қасымқызы', email: 'aigerim@example.org' });
    await aSigner(t.db, letter, { fullName: 'Erased After Delivery', email: null });
  });

  test('are left out unless asked for', async () => {
    for (const format of ['csv', 'json', 'xlsx'] as const) {
      const res = await download(b, slug, { format, columns: ['name', 'country'] });
      expect(res.status).toBe(200);
      const text =
        format === 'xlsx'
          ? JSON.stringify((await readXlsx(res.body as Buffer)).worksheets[0].getSheetValues())
          : (res.body as Buffer).toString('utf8');
      expect(text).not.toContain('aigerim@example.org');
    }
  });

  test('come after the name when the box is ticked, empty where an address was erased', async () => {
    const rows = await csvRows(slug, { includeEmail: true, columns: ['name', 'country'] });
    expect(Object.keys(rows[0])).toEqual(['Name', 'Email', 'Country']);
    expect(rows.map((r) => r.Email)).toEqual(['aigerim@example.org', '']);
    const audit = await t.db
      .getRepository(ExportAudit)
      .findOneOrFail({ where: { includeEmail: true }, order: { createdAt: 'DESC' } });
    expect(audit.columns).toEqual(['name', 'email', 'country']);
  });

  test('are refused for a PDF and for a publication file', async () => {
    const pdf = await download(b, slug, { format: 'pdf', includeEmail: true });
    expect(pdf.status).toBe(422);
    expect((pdf.body as Buffer).toString('utf8')).toContain('The PDF pack never contains email addresses');
    const pub = await download(b, slug, { format: 'csv', purpose: 'publication', includeEmail: true });
    expect(pub.status).toBe(422);
    expect((pub.body as Buffer).toString('utf8')).toContain('A file for publication never contains email addresses.');
  });

  test('never reach the PDF, even when the service is asked for them directly', async () => {
    const letter = await t.db
      .getRepository(Letter)
      .findOneOrFail({ where: { slug }, relations: { translations: true } });
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const result = await exportSignatures(
      t.ctx,
      { letter, format: 'pdf', includeEmail: true, columns: ['name', 'email'], organiserId: null, language: 'en' },
      out,
    );
    const text = (await pdfParse(Buffer.concat(chunks))).text;
    expect(text).toContain('Айгерім Қасымқызы');
    expect(text).not.toContain('aigerim@example.org');
    expect((await t.db.getRepository(ExportAudit).findOneByOrFail({ id: result.exportId })).columns).toEqual(['name']);
  });
});

describe('who may export', () => {
  test("another organiser's letter answers 404 to the page and to the POST, and nothing is audited", async () => {
    const stranger = await anOrganiser(t.db);
    const foreign = await aLetterOf(t.db, stranger);
    await aSigner(t.db, foreign, { fullName: 'Secret Signer' });
    expect((await b.agent.get(`/organise/letters/${foreign.slug}/export`)).status).toBe(404);
    const csrf = await b.csrfFrom('/organise');
    const res = await b.agent
      .post(`/organise/letters/${foreign.slug}/export`)
      .type('form')
      .send(exportBody({ format: 'csv' }, csrf));
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('Secret Signer');
    expect(await t.db.getRepository(ExportAudit).countBy({ letterId: foreign.id })).toBe(0);
  });

  test('an editor may export', async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner);
    await grantRole(t.db, organiser.email, letter.slug, 'editor');
    await aSigner(t.db, letter, { fullName: 'Олена Ковальчук' });
    expect((await csvRows(letter.slug)).map((r) => r.Name)).toEqual(['Олена Ковальчук']);
  });

  test('without a CSRF token the POST is refused with 403', async () => {
    const letter = await aLetterOf(t.db, organiser);
    const res = await b.agent
      .post(`/organise/letters/${letter.slug}/export`)
      .type('form')
      .send(exportBody({ format: 'csv' }));
    expect(res.status).toBe(403);
    expect(await t.db.getRepository(ExportAudit).countBy({ letterId: letter.id })).toBe(0);
  });

  test('a visitor who is not signed in is sent to the sign-in page', async () => {
    const letter = await aLetterOf(t.db, organiser);
    const res = await request(t.app).get(`/organise/letters/${letter.slug}/export`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
  });
});
