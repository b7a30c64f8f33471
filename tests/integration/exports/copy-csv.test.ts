import { PassThrough, Writable } from 'node:stream';
import { ExportAudit } from '../../../src/features/exports/export-audit.entity';
import { CrlfRecords } from '../../../src/features/exports/copy-csv';
import { exportSignatures } from '../../../src/features/exports/export.service';
import type { ExportColumn, ExportRow } from '../../../src/features/exports/export-row';
import { writeCsv } from '../../../src/features/exports/writers/csv.writer';
import type { Letter } from '../../../src/core/letters/letter.entity';
import { findLetterBySlug } from '../../../src/core/letters/letters.service';
import { countryName, tFor } from '../../../src/platform/web/i18n';
import { aLetter, aSigner } from '../../support/factories';
import { useTestApp } from '../../support/test-app';
import { sha256 } from '../../support/files';

let letter: Letter;

/** Names and places that test every rule of the file: formula guard, quoting, scripts, empties. */
const TRICKY: Array<Parameters<typeof aSigner>[2]> = [
  { fullName: '=HYPERLINK("http://evil.example","click")', city: '+380 Kyiv', organisation: '-1+1', country: 'UA' },
  { fullName: '@SUM(A1:A9)', city: '\tTabbed', organisation: '\rCarriage', country: 'FR' },
  {
    fullName: 'Айгерім Қасымқызы',
    city: 'Алматы',
    organisation: 'Ligue des droits de l\'Homme, section "Lyon"',
    country: 'KZ',
    signedAs: 'organisation',
  },
  { fullName: 'Line\nbreak, and "quotes"', city: 'London, UK', organisation: null, country: 'GB', email: null },
  { fullName: 'Crlf\r\ninside', city: '', organisation: '', country: 'DE', source: 'paper' },
  { fullName: 'Mukhtar Ablyazov', city: null, organisation: '=1+1', country: 'XK' },
  { fullName: ' leading space', city: '"quoted"', organisation: ',', country: 'PL' },
  { fullName: "O'Neil-Dupont", city: 'Київ', organisation: null, country: 'UA', email: 'o.neil+tag@example.org' },
];

const t = useTestApp({}, { worker: false });
beforeAll(async () => {
  const made = await aLetter(t.db, { title: 'Copy' });
  for (const o of TRICKY) await aSigner(t.db, made, o);
  // Microseconds in the database: the file shows milliseconds, as the JavaScript Date would.
  await t.db.query(
    `UPDATE signatures SET confirmed_at = confirmed_at + interval '789999 microseconds' WHERE letter_id = $1`,
    [made.id],
  );
  letter = (await findLetterBySlug(t.db, made.slug))!;
});

function collect(): { out: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const out = new PassThrough();
  out.on('data', (c: Buffer) => chunks.push(c));
  return { out, bytes: () => Buffer.concat(chunks) };
}

/** The file as the CSV writer makes it from the same rows (the definition COPY must match). */
async function writerFile(columns: ExportColumn[], where = ''): Promise<Buffer> {
  const rows: Array<{
    full_name: string;
    email: string | null;
    country: string;
    city: string | null;
    organisation: string | null;
    signed_as: 'individual' | 'organisation';
    confirmed_at: Date;
    source: 'online' | 'paper';
    text_language: string | null;
    text_version: number | null;
  }> = await t.db.query(
    `SELECT full_name, email, country, city, organisation, signed_as, confirmed_at, source, text_language, text_version FROM signatures s
        WHERE letter_id = $1 AND status = 'confirmed' AND held_reason IS NULL ${where} ORDER BY confirmed_at, id`,
    [letter.id],
  );
  // eslint-disable-next-line @typescript-eslint/require-await -- the writer takes an async iterable; these rows are already here
  async function* exportRows(): AsyncGenerator<ExportRow> {
    for (const r of rows) {
      yield {
        name: r.full_name,
        email: r.email,
        country: r.country,
        countryName: countryName(r.country, 'en'),
        city: r.city,
        organisation: r.organisation,
        occupation: null,
        signedAs: r.signed_as,
        signedAt: r.confirmed_at,
        source: r.source,
        textVersion: r.text_language && r.text_version ? { language: r.text_language, version: r.text_version } : null,
      };
    }
  }
  const t_ = tFor('en');
  const labels = Object.fromEntries(
    (
      ['name', 'email', 'country', 'city', 'organisation', 'signedAs', 'signedAt', 'source', 'textVersion'] as const
    ).map((k) => [k, t_(`exports.columns.${k}`)]),
  ) as Record<ExportColumn, string>;
  const { out, bytes } = collect();
  await writeCsv(exportRows(), out, {
    exportId: 'x',
    letterTitle: '',
    letterBody: '',
    recipient: '',
    language: 'en',
    generatedAt: new Date(),
    verifiedCount: 0,
    columns,
    labels,
  });
  return bytes();
}

async function exported(
  columns: ExportColumn[],
  opts: { includeEmail?: boolean; filters?: Parameters<typeof exportSignatures>[1]['filters'] } = {},
) {
  const { out, bytes } = collect();
  const result = await exportSignatures(
    t.ctx,
    {
      letter,
      format: 'csv',
      columns,
      includeEmail: opts.includeEmail,
      filters: opts.filters,
      organiserId: null,
      language: 'en',
    },
    out,
  );
  return { result, bytes: bytes() };
}

describe('the delivery CSV, written by COPY', () => {
  test("is byte for byte the CSV writer's file: BOM, header, quoting, formula guard, empty cells, dates, line ends", async () => {
    const { bytes } = await exported(
      ['name', 'country', 'city', 'organisation', 'signedAs', 'signedAt', 'source', 'textVersion'],
      { includeEmail: true },
    );
    const expected = await writerFile([
      'name',
      'email',
      'country',
      'city',
      'organisation',
      'signedAs',
      'signedAt',
      'source',
      'textVersion',
    ]);
    expect(bytes.toString('utf8')).toBe(expected.toString('utf8'));
    expect(bytes.equals(expected)).toBe(true);
    const text = bytes.toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(text).toContain("'@SUM(A1:A9)");
    expect(text).toContain("'+380 Kyiv");
    expect(text).toContain(`"'\rCarriage"`);
    expect(text).toMatch(/\.789Z/);
  });

  test('keeps the chosen columns and their order, and the filters', async () => {
    const some = await exported(['signedAt', 'city', 'name'], { filters: { country: 'UA' } });
    expect(some.bytes.equals(await writerFile(['signedAt', 'city', 'name'], `AND country = 'UA'`))).toBe(true);
    expect(some.result.rowCount).toBe(2);
    const orgs = await exported(['name', 'organisation'], { filters: { signedAs: 'organisation' } });
    expect(orgs.bytes.equals(await writerFile(['name', 'organisation'], `AND signed_as = 'organisation'`))).toBe(true);
    expect(orgs.result.rowCount).toBe(1);
  });

  test('is audited with the SHA-256 and size of exactly the bytes produced, and counts its records', async () => {
    const { result, bytes } = await exported(['name', 'country']);
    expect(result.rowCount).toBe(TRICKY.length);
    expect(result.sha256).toBe(sha256(bytes));
    expect(result.bytes).toBe(bytes.length);
    const audit = await t.db.getRepository(ExportAudit).findOneByOrFail({ id: result.exportId });
    expect(audit.sha256).toBe(sha256(bytes));
    expect(audit.rowCount).toBe(TRICKY.length);
  });
});

describe('CRLF record ends', () => {
  test("wherever COPY's chunks are cut, only record ends outside quotes become CRLF", async () => {
    const copyOutput = Buffer.from('a,"b\nc",d\n"e ""x"" \n",f\nАй,"\r\n"\n', 'utf8');
    const expected = Buffer.from('a,"b\nc",d\r\n"e ""x"" \n",f\r\nАй,"\r\n"\r\n', 'utf8');
    for (let cut = 0; cut <= copyOutput.length; cut++) {
      for (const size of [1, 3, cut || 1]) {
        const t = new CrlfRecords();
        const parts: Buffer[] = [];
        t.on('data', (c: Buffer) => parts.push(c));
        const pieces = [copyOutput.subarray(0, cut), ...chunks(copyOutput.subarray(cut), size)];
        for (const p of pieces) t.write(p);
        t.end();
        await new Promise((r) => t.once('end', r));
        expect(Buffer.concat(parts).equals(expected)).toBe(true);
        expect(t.records).toBe(3);
      }
    }
  });
});

function chunks(b: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}
