import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import pdfParse from 'pdf-parse';
import { ExportAudit } from '../../../src/features/exports/export-audit.entity';
import type { Letter } from '../../../src/core/letters/letter.entity';
import type { Organiser } from '../../../src/core/access/organiser.entity';
import { aLetterOf, anOrganiser, signInAs, type Browser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';
import { aSigner } from '../../support/factories';
import { download } from '../../support/exports';
import { fileNameOf, readXlsx, sha256 } from '../../support/files';

const KAZAKH = ['Айгерім Қасымқызы', 'Мұхтар Әбілқасымұлы'];
const NAMES = [...KAZAKH, 'Олена Ковальчук'];

let organiser: Organiser;
let b: Browser;
let letter: Letter;

const t = useTestApp();
beforeAll(async () => {
  organiser = await anOrganiser(t.db);
  b = await signInAs(t.app, t.smtp, organiser.email);
  letter = await aLetterOf(t.db, organiser, 'owner', { title: 'Birthday greetings' });
  await aSigner(t.db, letter, { fullName: NAMES[0], email: 'aigerim@example.org', country: 'KZ', city: 'Алматы' });
  await aSigner(t.db, letter, {
    fullName: NAMES[1],
    email: 'mukhtar@example.org',
    country: 'KZ',
    city: 'Астана',
    visibility: 'initials',
  });
  await aSigner(t.db, letter, { fullName: NAMES[2], email: null, country: 'UA', city: 'Київ', visibility: 'private' });
});

describe('each export format read back by a real parser', () => {
  test('CSV: Kazakh and Ukrainian names come back exactly, with a BOM for Excel and translated headers', async () => {
    const res = await download(b, letter.slug, { format: 'csv' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const body = res.body as Buffer;
    expect(body.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows = parseCsv<Record<string, string>>(body, { bom: true, columns: true });
    expect(rows.map((r) => r.Name)).toEqual(NAMES);
    expect(rows.map((r) => r.Country)).toEqual(['Kazakhstan', 'Kazakhstan', 'Ukraine']);
    expect(rows[0].City).toBe('Алматы');
    expect(Object.keys(rows[0])).toEqual([
      'Name',
      'Country',
      'City',
      'Organisation or title',
      'Signed as',
      'Signed at (UTC)',
    ]);
  });

  test('CSV headers follow the chosen language', async () => {
    const res = await download(b, letter.slug, { format: 'csv', language: 'en', columns: ['name', 'country'] });
    const [header]: string[][] = parseCsv(res.body as Buffer, { bom: true });
    expect(header).toEqual(['Name', 'Country']);
  });

  test('XLSX: exceljs reads the same names, one row per signature under a header row', async () => {
    const res = await download(b, letter.slug, { format: 'xlsx' });
    expect(res.status).toBe(200);
    const wb = await readXlsx(res.body as Buffer);
    const sheet = wb.worksheets[0];
    const names: string[] = [];
    sheet.eachRow((row, n) => {
      if (n > 1) names.push(row.getCell(1).text);
    });
    expect(sheet.getRow(1).getCell(1).value).toBe('Name');
    expect(names).toEqual(NAMES);
  });

  test('JSON lines: every line parses on its own, with ISO country codes and exact names', async () => {
    const res = await download(b, letter.slug, { format: 'json', columns: ['name', 'country', 'signedAt'] });
    expect(res.status).toBe(200);
    const lines = (res.body as Buffer).toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    const rows = lines.map((l) => JSON.parse(l) as { name: string; country: string; signedAt: string });
    expect(rows.map((r) => r.name)).toEqual(NAMES);
    expect(rows.map((r) => r.country)).toEqual(['KZ', 'KZ', 'UA']);
    expect(Object.keys(rows[0])).toEqual(['name', 'country', 'signedAt']);
  });

  test('PDF: the delivery pack carries the letter, the recipient, the verified count, every name and the export id', async () => {
    const res = await download(b, letter.slug, { format: 'pdf', includeEmail: false });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const exportId = res.headers['x-export-id'];
    const pdf = await pdfParse(res.body as Buffer);
    const text = pdf.text;
    expect(text).toContain('Birthday greetings');
    expect(text).toContain('The Minister');
    expect(text).toContain('justice');
    for (const name of NAMES) expect(text).toContain(name);
    expect(text).toMatch(/\b3\s*Verified signatures/);
    expect(text).toContain(exportId);
    expect(text).toContain('http://undersigned.test/verify');
    expect(text).not.toContain('@example.org');
  });

  test('every download is audited: who, what, how many rows, and the exact SHA-256 and size of the bytes received', async () => {
    const res = await download(b, letter.slug, { format: 'csv', country: 'KZ' });
    const body = res.body as Buffer;
    const name = fileNameOf(res);
    expect(name).toMatch(new RegExp(`^${letter.slug}-\\d{4}-\\d{2}-\\d{2}-[0-9a-f-]{36}\\.csv$`));
    const exportId = res.headers['x-export-id'];
    expect(name).toContain(exportId);
    const audit = await t.db.getRepository(ExportAudit).findOneByOrFail({ id: exportId });
    expect(audit).toMatchObject({
      letterId: letter.id,
      organiserId: organiser.id,
      format: 'csv',
      purpose: 'delivery',
      rowCount: 2,
      sha256: sha256(body),
      bytes: String(body.length),
      fileName: name,
      includeEmail: false,
    });
    expect(audit.filters).toMatchObject({ scope: 'verified', country: 'KZ', from: null, to: null, signedAs: null });
    expect(audit.columns).toEqual(['name', 'country', 'city', 'organisation', 'signedAs', 'signedAt']);
    // The data file stays clean: a header and the two rows, nothing about the export inside it.
    expect(body.toString('utf8').trim().split('\r\n')).toHaveLength(3);
  });

  test('a cell that would run as a spreadsheet formula is neutralised in CSV and XLSX', async () => {
    const other = await aLetterOf(t.db, organiser);
    await aSigner(t.db, other, {
      fullName: '=HYPERLINK("http://evil.example","click")',
      city: '+1-555',
      organisation: '@SUM(A1)',
    });
    const csv = await download(b, other.slug, { format: 'csv' });
    const [row] = parseCsv<Record<string, string>>(csv.body as Buffer, { bom: true, columns: true });
    expect(row.Name).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(row.City).toBe(`'+1-555`);
    expect(row['Organisation or title']).toBe(`'@SUM(A1)`);
    const xlsx = await download(b, other.slug, { format: 'xlsx' });
    const wb = await readXlsx(xlsx.body as Buffer);
    const cell = wb.worksheets[0].getRow(2).getCell(1);
    expect(cell.type).toBe(ExcelJS.ValueType.String);
    expect(cell.value).toBe(`'=HYPERLINK("http://evil.example","click")`);
  });
});
