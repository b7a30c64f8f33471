import { parse as parseCsv } from 'csv-parse/sync';
import pdfParse from 'pdf-parse';
import request from 'supertest';
import { Letter } from '../../../src/core/letters/letter.entity';
import { aSigner } from '../../support/factories';
import { download } from '../../support/exports';
import { readXlsx } from '../../support/files';
import { aLetterOf, anOrganiser, signInAs, type Browser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';

/**
 * The occupation or title, where a letter asks it: a column of every export for officials
 * (chosen by default then), and of the public list's CSV beside full names only.
 */
const t = useTestApp();
let b: Browser;
let letter: Letter;
beforeAll(async () => {
  const organiser = await anOrganiser(t.db);
  b = await signInAs(t.app, t.smtp, organiser.email);
  letter = await aLetterOf(t.db, organiser, 'owner', { title: 'A letter of doctors' });
  await t.db.getRepository(Letter).update({ id: letter.id }, { askOccupation: true });
  await aSigner(t.db, letter, { fullName: 'Ірина Лікар', organisation: 'City Hospital' });
  await t.db.query(`UPDATE signatures SET occupation = 'Paediatrician' WHERE letter_id = $1`, [letter.id]);
  await aSigner(t.db, letter, { fullName: 'Айгерім Қасымқызы', visibility: 'initials' });
  await t.db.query(`UPDATE signatures SET occupation = 'Surgeon' WHERE letter_id = $1 AND visibility = 'initials'`, [
    letter.id,
  ]);
});

const ALL = ['name', 'country', 'city', 'organisation', 'occupation', 'signedAs', 'signedAt'];

test('the export form offers the occupation, ticked by default for a letter that asks it', async () => {
  const page = await b.agent.get(`/organise/letters/${letter.slug}/export`).expect(200);
  expect(page.text).toMatch(/id="column-occupation" name="columns" value="occupation" checked/);
});

test('CSV, XLSX, JSON lines and the PDF pack hold each signer’s occupation', async () => {
  const csv = await download(b, letter.slug, { format: 'csv', columns: ALL });
  const rows = parseCsv<Record<string, string>>(csv.body as Buffer, { bom: true, columns: true });
  expect(rows.map((r) => r['Occupation or title'])).toEqual(['Paediatrician', 'Surgeon']);

  const xlsx = await readXlsx((await download(b, letter.slug, { format: 'xlsx', columns: ALL })).body as Buffer);
  const sheet = xlsx.worksheets[0];
  const header = (sheet.getRow(1).values as unknown[]).slice(1);
  const at = header.indexOf('Occupation or title') + 1;
  expect(at).toBeGreaterThan(0);
  expect([sheet.getRow(2).getCell(at).value, sheet.getRow(3).getCell(at).value]).toEqual(['Paediatrician', 'Surgeon']);

  const json = ((await download(b, letter.slug, { format: 'json', columns: ALL })).body as Buffer)
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { occupation: string });
  expect(json.map((r) => r.occupation)).toEqual(['Paediatrician', 'Surgeon']);

  const pdf = await pdfParse((await download(b, letter.slug, { format: 'pdf', columns: ALL })).body as Buffer);
  expect(pdf.text).toContain('Paediatrician');
  expect(pdf.text).toContain('Surgeon');
});

test('the public list’s CSV shows the occupation beside a full name, never beside initials', async () => {
  const deadline = Date.now() + 20_000;
  let res: request.Response;
  for (;;) {
    res = await request(t.app).get(`/letters/${letter.slug}/signatories.csv`).buffer(true);
    if (res.status === 200) break;
    if (Date.now() > deadline) throw new Error('the public list file was never made');
    await new Promise((r) => setTimeout(r, 200));
  }
  const rows = parseCsv<Record<string, string>>(res.text, { bom: true, columns: true });
  expect(rows.map((r) => r['Occupation or title']).sort()).toEqual(['', 'Paediatrician']);
  expect(res.text).not.toContain('Surgeon');
});
