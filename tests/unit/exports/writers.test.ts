/**
 * Round-trip tests: every format is written, then parsed back with a real
 * parser (csv-parse, exceljs, JSON.parse, pdf-parse) and compared exactly.
 */
import { spawnSync } from 'child_process';
import { Writable } from 'stream';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import pdfParse from 'pdf-parse';
import { ExportColumn, ExportMeta, ExportRow } from '../../../src/features/exports/export-row';
import { packLabels } from '../../../src/features/exports/writers/pdf.writer';
import { contentTypes, fileExtensions, isExportFormat, writers } from '../../../src/features/exports/writers';

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

const ALL_COLUMNS: ExportColumn[] = [
  'name',
  'email',
  'country',
  'city',
  'organisation',
  'signedAs',
  'signedAt',
  'source',
];
const LABELS: Record<ExportColumn, string> = {
  name: 'Full name',
  email: 'E-mail address',
  country: 'Country',
  city: 'City',
  organisation: 'Organisation',
  occupation: 'Occupation or title',
  signedAs: 'Signed as',
  signedAt: 'Signed on',
  source: 'Source',
  textVersion: 'Text signed',
};

const KAZAKH_AND_CYRILLIC_NAMES = [
  'Айгерім Қасымқызы',
  'Олена Ковальчук',
  'Мұхтар Әбілқасымұлы',
  'Ғалымжан Өтегенұлы',
  'Ұлжан Һасенова',
  'Нұрсұлтан Үсенов',
  'Гүлнұр Оңғарова',
  'Шаһизада Төлеген',
];
const TRICKY_NAME = 'Smith, "Jack"\nJunior'; // comma, quote and newline in one field
const FORMULA_NAMES = ['=HYPERLINK("http://evil.example","click")', '+1', '-2', '@x', '\tx', '\rx'];

let seq = 0;
function row(name: string, overrides: Partial<ExportRow> = {}): ExportRow {
  seq++;
  return {
    name,
    email: `person${seq}@example.org`,
    country: 'KZ',
    countryName: 'Kazakhstan',
    city: 'Алматы',
    organisation: null,
    occupation: null,
    signedAs: 'individual',
    signedAt: new Date(Date.UTC(2025, 2, 1, 8, 30, seq % 60)),
    source: 'online',
    textVersion: { language: 'uk', version: 2 },
    ...overrides,
  };
}

function fixtureRows(): ExportRow[] {
  return [
    ...KAZAKH_AND_CYRILLIC_NAMES.map((name) => row(name)),
    row(TRICKY_NAME, {
      country: 'GB',
      countryName: 'United Kingdom',
      city: null,
      organisation: 'Acme, Inc.',
      signedAs: 'organisation',
      source: 'paper',
    }),
    ...FORMULA_NAMES.map((name) =>
      row(name, { country: 'FR', countryName: 'France', city: '=cmd|x', organisation: '-Org' }),
    ),
  ];
}

function meta(overrides: Partial<ExportMeta> = {}): ExportMeta {
  return {
    exportId: 'exp_test123',
    letterTitle: 'Save the Aral Sea',
    letterBody:
      '# Dear Minister\n\nWe ask you to **act now**.\n\n- publish the data\n- fund the wetlands\n\nBest regards,\nThe signatories',
    recipient: 'Minister of Ecology',
    language: 'en',
    generatedAt: new Date(Date.UTC(2025, 5, 14, 9, 30)),
    verifiedCount: 1234,
    columns: ALL_COLUMNS,
    labels: LABELS,
    ...overrides,
  };
}

/** Async view of a sync iterable, one item per next() and no read-ahead — like a database cursor. */
function toAsync<T>(items: Iterable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = items[Symbol.iterator]();
      return { next: () => new Promise<IteratorResult<T>>((resolve) => resolve(iterator.next())) };
    },
  };
}

/** A writable that keeps every byte, like a file would. */
function collector(): { stream: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

async function render(
  format: keyof typeof writers,
  rows: ExportRow[],
  m: ExportMeta,
): Promise<{ bytes: Buffer; rowCount: number; out: Writable }> {
  const out = collector();
  const { rowCount } = await writers[format](toAsync(rows), out.stream, m);
  return { bytes: out.bytes(), rowCount, out: out.stream };
}

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------

describe('CSV writer', () => {
  const rows = fixtureRows();
  let bytes: Buffer;
  let records: string[][];

  beforeAll(async () => {
    const result = await render('csv', rows, meta());
    expect(result.rowCount).toBe(rows.length);
    expect(result.out.writableFinished).toBe(true);
    bytes = result.bytes;
    // Forcing CRLF as the only record delimiter: a bare LF outside quotes would break the parse.
    records = parseCsv(bytes, { bom: true, record_delimiter: ['\r\n'], relax_column_count: false });
  });

  it('starts with a UTF-8 BOM and ends records with CRLF', () => {
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8').endsWith('\r\n')).toBe(true);
  });

  it('writes the translated header row for the chosen columns', () => {
    expect(records[0]).toEqual(ALL_COLUMNS.map((c) => LABELS[c]));
    expect(records).toHaveLength(rows.length + 1);
  });

  it('round-trips Cyrillic and Kazakh names exactly', () => {
    const names = records.slice(1, 1 + KAZAKH_AND_CYRILLIC_NAMES.length).map((r) => r[0]);
    expect(names).toEqual(KAZAKH_AND_CYRILLIC_NAMES);
  });

  it('quotes a field with comma, quote and newline per RFC 4180', () => {
    const tricky = records.find((r) => r[0].startsWith('Smith'));
    expect(tricky).toEqual([
      TRICKY_NAME,
      rows[8].email,
      'United Kingdom',
      '',
      'Acme, Inc.',
      'organisation',
      rows[8].signedAt.toISOString(),
      'paper',
    ]);
    expect(bytes.toString('utf8')).toContain('"Smith, ""Jack""\nJunior"');
  });

  it('neutralises formula injection with a leading apostrophe in every text cell', () => {
    const formulaRecords = records.slice(-FORMULA_NAMES.length);
    expect(formulaRecords.map((r) => r[0])).toEqual(FORMULA_NAMES.map((name) => `'${name}`));
    for (const r of formulaRecords) {
      expect(r[3]).toBe("'=cmd|x"); // city
      expect(r[4]).toBe("'-Org"); // organisation
    }
  });

  it('writes dates as full ISO 8601 UTC and countries by name', () => {
    const first = records[1];
    expect(first[6]).toBe(rows[0].signedAt.toISOString());
    expect(first[6]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(first[2]).toBe('Kazakhstan');
  });

  it('honours the column selection and order', async () => {
    const { bytes: subset } = await render('csv', rows.slice(0, 2), meta({ columns: ['signedAt', 'name'] }));
    const parsed: string[][] = parseCsv(subset, { bom: true });
    expect(parsed).toEqual([
      ['Signed on', 'Full name'],
      [rows[0].signedAt.toISOString(), rows[0].name],
      [rows[1].signedAt.toISOString(), rows[1].name],
    ]);
  });

  it('writes only the header for an empty export', async () => {
    const { bytes: empty, rowCount } = await render('csv', [], meta({ columns: ['name'] }));
    expect(rowCount).toBe(0);
    expect(empty.toString('utf8')).toBe('\uFEFFFull name\r\n');
  });
});

// ---------------------------------------------------------------------------
// JSON lines
// ---------------------------------------------------------------------------

describe('JSON lines writer', () => {
  const rows = fixtureRows();

  it('writes one newline-terminated JSON object per row, keys = chosen columns', async () => {
    const { bytes, rowCount } = await render('json', rows, meta());
    expect(rowCount).toBe(rows.length);
    const text = bytes.toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.charCodeAt(0)).not.toBe(0xfeff);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(rows.length);
    const objects = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    objects.forEach((obj, i) => {
      expect(Object.keys(obj)).toEqual(ALL_COLUMNS);
      expect(obj).toEqual({
        name: rows[i].name, // raw: no formula neutralisation in a machine format
        email: rows[i].email,
        country: rows[i].country, // ISO code, not the display name
        city: rows[i].city,
        organisation: rows[i].organisation,
        signedAs: rows[i].signedAs,
        signedAt: rows[i].signedAt.toISOString(),
        source: rows[i].source,
      });
    });
  });

  it('keeps names with newlines on a single line and nulls as null', async () => {
    const tricky = rows.find((r) => r.name === TRICKY_NAME) as ExportRow;
    const { bytes } = await render('json', [tricky], meta({ columns: ['name', 'city'] }));
    expect(bytes.toString('utf8')).toBe(`${JSON.stringify({ name: TRICKY_NAME, city: null })}\n`);
  });

  it('writes nothing for an empty export', async () => {
    const { bytes } = await render('json', [], meta());
    expect(bytes.length).toBe(0);
  });
});

// ---------------------------------------------------------------------------
// XLSX
// ---------------------------------------------------------------------------

describe('XLSX writer', () => {
  const rows = fixtureRows();
  let sheet: ExcelJS.Worksheet;

  beforeAll(async () => {
    const { bytes, rowCount } = await render('xlsx', rows, meta());
    expect(rowCount).toBe(rows.length);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(bytes).buffer); // exceljs types want an ArrayBuffer, not a Node Buffer
    sheet = workbook.getWorksheet('Signatures') as ExcelJS.Worksheet;
  });

  it('has one sheet "Signatures" with a bold header row', () => {
    expect(sheet).toBeDefined();
    const header = sheet.getRow(1);
    expect(ALL_COLUMNS.map((_, i) => header.getCell(i + 1).value)).toEqual(ALL_COLUMNS.map((c) => LABELS[c]));
    expect(header.getCell(1).font?.bold).toBe(true);
    expect(sheet.rowCount).toBe(rows.length + 1);
  });

  it('round-trips Cyrillic and Kazakh names and the tricky name exactly', () => {
    const names = rows.map((_, i) => sheet.getRow(i + 2).getCell(1).value);
    expect(names.slice(0, KAZAKH_AND_CYRILLIC_NAMES.length)).toEqual(KAZAKH_AND_CYRILLIC_NAMES);
    expect(names[KAZAKH_AND_CYRILLIC_NAMES.length]).toBe(TRICKY_NAME);
  });

  it('stores signedAt as a real date with a date format', () => {
    const cell = sheet.getRow(2).getCell(7);
    expect(cell.value).toBeInstanceOf(Date);
    expect(Math.abs((cell.value as Date).getTime() - rows[0].signedAt.getTime())).toBeLessThan(1);
    expect(cell.numFmt).toMatch(/yyyy-mm-dd/);
  });

  it('neutralises formula injection and writes empty cells for missing values', () => {
    const first = rows.length - FORMULA_NAMES.length + 2;
    FORMULA_NAMES.forEach((name, i) => {
      const r = sheet.getRow(first + i);
      // A CR cannot survive XML end-of-line normalisation; the writer turns it into LF explicitly.
      expect(r.getCell(1).value).toBe(`'${name.replace('\r', '\n')}`);
      expect(r.getCell(1).type).toBe(ExcelJS.ValueType.String);
      expect(r.getCell(4).value).toBe("'=cmd|x");
    });
    const tricky = sheet.getRow(KAZAKH_AND_CYRILLIC_NAMES.length + 2);
    expect(tricky.getCell(4).value).toBeNull(); // city: null
  });
});

// ---------------------------------------------------------------------------
// PDF
// ---------------------------------------------------------------------------

describe('PDF delivery pack', () => {
  const rows = [...fixtureRows(), ...Array.from({ length: 110 }, (_, i) => row(`Signatory Number ${i + 1}`))];
  let text: string;
  let pages: number;

  beforeAll(async () => {
    const { bytes, rowCount } = await render('pdf', rows, meta());
    expect(rowCount).toBe(rows.length);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const parsed = await pdfParse(bytes);
    text = parsed.text;
    pages = parsed.numpages;
  });

  it('extracts every Cyrillic and Kazakh name exactly (embedded Unicode font)', () => {
    for (const name of KAZAKH_AND_CYRILLIC_NAMES) expect(text).toContain(name);
    expect(text).toContain('Signatory Number 110');
  });

  it('keeps the text selectable for poppler too (pdftotext), when it is installed', async () => {
    const pdftotext = spawnSync('pdftotext', ['-v']);
    if (pdftotext.error) return; // poppler-utils not installed: pdf-parse above already covers extraction
    const { bytes } = await render('pdf', rows.slice(0, 20), meta());
    const extracted = spawnSync('pdftotext', ['-layout', '-', '-'], { input: bytes }).stdout.toString('utf8');
    for (const name of KAZAKH_AND_CYRILLIC_NAMES) expect(extracted).toContain(name);
    expect(extracted).not.toContain('@example.org');
  });

  it('never contains an e-mail address or the e-mail column', () => {
    for (const r of rows) expect(text).not.toContain(r.email as string);
    expect(text).not.toContain('@example.org');
    expect(text).not.toContain(LABELS.email);
  });

  it('has a cover with title, recipient, generation date and verified count', () => {
    expect(text).toContain('Save the Aral Sea');
    expect(text).toContain('To: Minister of Ecology');
    expect(text).toContain('1,234');
    expect(text).toContain('Verified signatures');
    expect(text).toContain('June 14, 2025');
  });

  it('renders the letter text from Markdown as plain text', () => {
    expect(text).toContain('Dear Minister');
    expect(text).toContain('We ask you to act now.');
    expect(text).toContain('publish the data');
    expect(text).not.toContain('**');
  });

  it('stamps "Export <id> · page N of M" on every page', () => {
    expect(pages).toBeGreaterThanOrEqual(4);
    for (let n = 1; n <= pages; n++) expect(text).toContain(`Export exp_test123 · page ${n} of ${pages}`);
  });

  it('repeats the table header on every table page', () => {
    const headerCount = text.split(LABELS.name).length - 1;
    expect(headerCount).toBe(pages - 2); // all pages but the cover and the (short) letter
  });

  it('uses the built-in cover labels for the export language, falling back to English', async () => {
    expect(packLabels('uk-UA').signatories).toBe('Підписанти');
    expect(packLabels('fr').to).toBe('À\u00a0:');
    expect(packLabels('kk').signatories).toBe('Қол қоюшылар');
    expect(packLabels('de').signatories).toBe('Signatories');
    const { bytes } = await render(
      'pdf',
      rows.slice(0, 3),
      meta({ language: 'ru', footerText: 'Проверка: undersigned.example' }),
    );
    const ru = (await pdfParse(bytes)).text;
    expect(ru).toContain('Подтверждённые подписи');
    expect(ru).toContain('Кому: Minister of Ecology');
    expect(ru).toContain('Проверка: undersigned.example');
    expect(ru).toContain('Экспорт exp_test123 · страница 1 из 3');
  });

  it('is deterministic: same input, byte-identical file', async () => {
    const first = await render('pdf', rows.slice(0, 50), meta());
    const second = await render('pdf', rows.slice(0, 50), meta());
    expect(first.bytes.equals(second.bytes)).toBe(true);
  });

  it('renders an empty pack without failing', async () => {
    const { bytes, rowCount } = await render('pdf', [], meta({ letterBody: '' }));
    expect(rowCount).toBe(0);
    expect((await pdfParse(bytes)).text).toContain('No signatures.');
  });
});

// ---------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------

describe('writers registry', () => {
  it('maps every format to a writer, a content type and an extension', () => {
    expect(Object.keys(writers).sort()).toEqual(['csv', 'json', 'pdf', 'xlsx']);
    expect(contentTypes.csv).toBe('text/csv; charset=utf-8');
    expect(contentTypes.xlsx).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(contentTypes.pdf).toBe('application/pdf');
    expect(fileExtensions).toEqual({ csv: 'csv', xlsx: 'xlsx', json: 'jsonl', pdf: 'pdf' });
    expect(isExportFormat('pdf')).toBe(true);
    expect(isExportFormat('exe')).toBe(false);
  });
});
