import { parse as parseCsv } from 'csv-parse/sync';
import pdfParse from 'pdf-parse';
import type { Letter } from '../../../src/core/letters/letter.entity';
import { aSignature } from '../../support/factories';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';
import { download } from '../../support/exports';
import { readXlsx } from '../../support/files';

/** The pack's text with its line breaks (and the parser's marks for them) as spaces. */
async function pdfText(bytes: Buffer): Promise<string> {
  return (await pdfParse(bytes)).text.replace(/·?\n/g, ' ').replace(/\s+/g, ' ');
}

let b: Browser;
let letter: Letter;

const COLUMNS = ['name', 'country', 'textVersion'];

const t = useTestApp();
beforeAll(async () => {
  const organiser = await anOrganiser(t.db);
  b = await signInAs(t.app, t.smtp, organiser.email);
  letter = await aLetterOf(t.db, organiser, 'owner', { title: 'Birthday greetings' });
  await aSignature(t.db, letter, {
    fullName: 'Айгерім Қасымқызы',
    country: 'KZ',
    textLanguage: 'en',
    textVersion: 1,
    createdAt: new Date(Date.UTC(2025, 0, 1)),
  });
  // The text changes under the first signature; the second signs the new words.
  const page = `/organise/letters/${letter.slug}/edit`;
  const res = await postForm(b, page, page, {
    slug: letter.slug,
    status: 'open',
    goal: '100',
    closesAt: '',
    defaultLanguage: 'en',
    publicNamesDefault: 'private',
    tr0_language: 'en',
    tr0_title: 'Birthday greetings, revised',
    tr0_summary: 'A letter made by a test.',
    tr0_body: 'We ask for **freedom** and an end to persecution.',
    tr0_recipient: 'The Minister',
    action: 'save',
  });
  expect(res.status).toBe(303);
  await aSignature(t.db, letter, {
    fullName: 'Олена Ковальчук',
    country: 'UA',
    textLanguage: 'en',
    textVersion: 2,
    createdAt: new Date(Date.UTC(2025, 0, 2)),
  });
});

describe('signatures keep the version they signed through every export', () => {
  test('CSV', async () => {
    const res = await download(b, letter.slug, { format: 'csv', columns: COLUMNS });
    expect(res.status).toBe(200);
    const rows = parseCsv<Record<string, string>>(res.body as Buffer, { bom: true, columns: true });
    expect(rows.map((r) => [r.Name, r['Text signed']])).toEqual([
      ['Айгерім Қасымқызы', 'en v1'],
      ['Олена Ковальчук', 'en v2'],
    ]);
  });

  test('XLSX', async () => {
    const res = await download(b, letter.slug, { format: 'xlsx', columns: COLUMNS });
    const sheet = (await readXlsx(res.body as Buffer)).worksheets[0];
    expect(sheet.getRow(1).getCell(3).text).toBe('Text signed');
    expect([sheet.getRow(2).getCell(3).text, sheet.getRow(3).getCell(3).text]).toEqual(['en v1', 'en v2']);
  });

  test('JSON lines: the language and the number, as data', async () => {
    const res = await download(b, letter.slug, { format: 'json', columns: COLUMNS });
    const lines = (res.body as Buffer)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { textVersion: unknown });
    expect(lines.map((l) => l.textVersion)).toEqual([
      { language: 'en', version: 1 },
      { language: 'en', version: 2 },
    ]);
  });

  test('the text-signed column is chosen by default', async () => {
    const form = await b.agent.get(`/organise/letters/${letter.slug}/export`).expect(200);
    expect(form.text).toMatch(
      /<input type="checkbox" id="column-textVersion" name="columns" value="textVersion" checked>/,
    );
  });

  test('PDF: each row names its version, and the pack prints every version that has signatures under it', async () => {
    const res = await download(b, letter.slug, { format: 'pdf', columns: COLUMNS });
    expect(res.status).toBe(200);
    const text = await pdfText(res.body as Buffer);
    expect(text).toContain('The texts signed');
    expect(text).toMatch(
      /Version 1 \(en\), an earlier text, published on [^.]+\. Signatures in this pack under it: 1\./,
    );
    expect(text).toMatch(
      /Version 2 \(en\), the current text, published on [^.]+\. Signatures in this pack under it: 1\./,
    );
    // Version 1's own words, and version 2's.
    expect(text).toContain('We ask for');
    expect(text).toContain('justice');
    expect(text).toContain('Birthday greetings, revised');
    expect(text).toContain('an end to persecution');
    expect(text).toMatch(/en v1/);
    expect(text).toMatch(/en v2/);
  });

  test('a pack whose signatures are all under the current text prints no earlier version', async () => {
    const res = await download(b, letter.slug, { format: 'pdf', columns: COLUMNS, country: 'UA' });
    const text = await pdfText(res.body as Buffer);
    expect(text).toMatch(/Version 2 \(en\), the current text/);
    expect(text).not.toContain('an earlier text');
  });
});
