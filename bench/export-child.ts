import 'reflect-metadata';
import fs from 'node:fs';
import { Client } from 'pg';
import type { ExportColumn, ExportRow } from '../src/features/exports/export-row';
import { writeCsv } from '../src/features/exports/writers/csv.writer';
import { countryName, initI18n } from '../src/platform/web/i18n';

/**
 * The CSV export path as the bench measures it when no export command exists yet: a PostgreSQL
 * cursor (DECLARE … FETCH 10000 in a transaction) feeding the platform's CSV writer, to a file.
 *   node --import tsx bench/export-child.ts <database url> <letter id> <out file>
 */
const [url, letterId, outFile] = process.argv.slice(2);
const BATCH = 10_000;

async function* rows(client: Client): AsyncIterable<ExportRow> {
  await client.query('BEGIN READ ONLY');
  await client.query(
    `DECLARE export_rows NO SCROLL CURSOR FOR
       SELECT full_name, email, country, city, organisation, signed_as, confirmed_at, source
         FROM signatures WHERE letter_id = $1 AND status = 'confirmed' ORDER BY confirmed_at, id`,
    [letterId],
  );
  for (;;) {
    const { rows: batch } = await client.query<{
      full_name: string;
      email: string;
      country: string;
      city: string | null;
      organisation: string | null;
      signed_as: 'individual' | 'organisation';
      confirmed_at: Date;
      source: 'online' | 'paper';
    }>(`FETCH ${BATCH} FROM export_rows`);
    if (!batch.length) break;
    for (const r of batch) {
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
        textVersion: null,
      };
    }
  }
  await client.query('COMMIT');
}

async function main(): Promise<void> {
  await initI18n();
  const client = new Client({ connectionString: url });
  await client.connect();
  const columns: ExportColumn[] = [
    'name',
    'email',
    'country',
    'city',
    'organisation',
    'signedAs',
    'signedAt',
    'source',
  ];
  const labels = Object.fromEntries(columns.map((c) => [c, c])) as Record<ExportColumn, string>;
  const { rowCount } = await writeCsv(rows(client), fs.createWriteStream(outFile), {
    exportId: 'bench',
    letterTitle: 'bench',
    letterBody: '',
    recipient: '',
    language: 'en',
    generatedAt: new Date(),
    verifiedCount: 0,
    columns,
    labels,
  });
  await client.end();
  process.stdout.write(`${rowCount}\n`);
}

void main();
