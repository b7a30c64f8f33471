/**
 * exportSignatures: one letter's signatures, streamed to any Writable, digested on the way, and
 * audited once the last byte has left.
 *
 * The delivery CSV, the big one, is written by PostgreSQL's COPY and only passes through here
 * (copy-csv.ts): Node parses no row. The other files are made by one of the writers from a
 * server-side cursor, read in batches of FETCH_BATCH (the next batch is fetched while the writer
 * encodes the current one, so at most two batches are held). Either way memory stays flat however
 * many signatures a letter has, and backpressure from `out` is honoured. Both run in a READ ONLY
 * REPEATABLE READ transaction on a client of its own, so the count announced up front, the
 * verified count on the PDF cover and the rows in the file all come from one snapshot, however
 * many people sign meanwhile.
 *
 * The audit row is written once the writer has produced the last byte, so it records the bytes
 * that were actually produced (SHA-256, size, row count), and `out` is ended only after that row
 * is committed. A failed or abandoned export leaves no audit row and no complete file: `out` is
 * never ended, and the caller destroys it.
 */
import crypto from 'node:crypto';
import { finished } from 'node:stream/promises';
import type { PoolClient, QueryArrayResult } from 'pg';
import type { EntityManager } from 'typeorm';
import { recordAudit } from '../../core/audit';
import type { AppContext } from '../../platform/context';
import { pgPool } from '../../platform/db/pool';
import type { Language, Letter } from '../../core/letters/letter.entity';
import { VERIFIED_COUNT_SQL } from '../../core/letters/counts.service';
import { chooseTranslation } from '../../core/letters/letters.service';
import { auditActorById } from '../../core/access';
import { initialsOf } from '../signatures';
import { AppError } from '../../platform/web/errors';
import { countryName, isLanguage, tFor } from '../../platform/web/i18n';
import { readAuditChainHead, readAuditSummary } from './audit-summary';
import { copyCsv } from './copy-csv';
import { createDigestingStream } from './sha256-tee';
import { ExportAudit } from './export-audit.entity';
import {
  countsQuery,
  textVersionsQuery,
  type DbRow,
  type ExportFilters,
  type ExportPurpose,
  NO_FILTERS,
  rowsQuery,
  selection,
  type SelectionSql,
} from './export-query';
import type { ExportColumn, ExportFormat, ExportMeta, ExportRow, SignedTextVersion } from './export-row';
import { contentTypes, fileExtensions, writers } from './writers';

export type { ExportFilters, ExportPurpose } from './export-query';

/** Rows per FETCH: large enough that round trips cost little, small enough to hold two at once. */
export const FETCH_BATCH = 5000;
/**
 * The PDF writer keeps every page in memory until the end ("page N of M"), ~45 rows a page.
 * Beyond this many rows the organiser is asked to choose CSV, XLSX or JSON instead.
 */
export const PDF_MAX_ROWS = 50_000;

/** Every column but email, which only ever comes by explicit request. */
export const EXPORT_COLUMNS: readonly Exclude<ExportColumn, 'email'>[] = [
  'name',
  'country',
  'city',
  'organisation',
  'occupation',
  'signedAs',
  'signedAt',
  'source',
  'textVersion',
];
export const DEFAULT_COLUMNS: readonly ExportColumn[] = [
  'name',
  'country',
  'city',
  'organisation',
  'signedAs',
  'signedAt',
  'textVersion',
];

export interface ExportRequest {
  /** With its translations loaded. */
  letter: Letter;
  format: ExportFormat;
  filters?: Partial<ExportFilters>;
  /** Chosen columns, in this order; 'email' here is ignored (see includeEmail). */
  columns?: readonly ExportColumn[];
  /** Adds the email column after the name. Never in a PDF, never in a publication file. */
  includeEmail?: boolean;
  /** 'delivery' (default): every signer's full name, for the recipients. See export-query.ts. */
  purpose?: ExportPurpose;
  /** Who exports; null from the command line, or when an addressee downloads from their recipient link. */
  organiserId: string | null;
  /** The recipient link an addressee downloaded this from (src/features/recipients): then they are the exporter. */
  recipientLinkId?: string | null;
  /** Whatever else must be recorded with the file's audit row, in its transaction (a recipient link's download). */
  alsoInTransaction?: (tx: EntityManager, exportId: string) => Promise<void>;
  /** Language of the letter text and the labels; the letter's own language if it has no such version. */
  language: string;
}

export interface ExportStart {
  exportId: string;
  fileName: string;
  contentType: string;
  /** Rows the file will have (same snapshot as the rows). */
  total: number;
}

export interface ExportHooks {
  /** Called once, before the first byte is written (set HTTP headers here). */
  onStart?(start: ExportStart): void;
  /** Called after each batch handed to the writer. */
  onProgress?(done: number, total: number): void;
}

export interface ExportResult extends ExportStart {
  rowCount: number;
  sha256: string;
  bytes: number;
  createdAt: Date;
}

export class PdfTooLarge extends AppError {
  constructor(readonly rows: number) {
    super(422, 'pdf_too_large', 'exports.errors.pdfTooLarge', { max: PDF_MAX_ROWS });
  }
}

export class EmailNotAllowed extends AppError {
  constructor() {
    super(422, 'email_not_allowed', 'exports.errors.emailNotAllowed');
  }
}

/** `<slug>-<YYYY-MM-DD>-<exportId>.<ext>`: the id travels with the file wherever it goes. */
export function exportFileName(slug: string, generatedAt: Date, exportId: string, format: ExportFormat): string {
  return `${slug}-${generatedAt.toISOString().slice(0, 10)}-${exportId}.${fileExtensions[format]}`;
}

/**
 * The columns a file has unless others are chosen: DEFAULT_COLUMNS, and the occupation beside the
 * organisation when the letter's form asks it.
 */
export function defaultColumns(letter: Pick<Letter, 'askOccupation'>): ExportColumn[] {
  if (!letter.askOccupation) return [...DEFAULT_COLUMNS];
  const at = DEFAULT_COLUMNS.indexOf('organisation') + 1;
  return [...DEFAULT_COLUMNS.slice(0, at), 'occupation', ...DEFAULT_COLUMNS.slice(at)];
}

/** The columns the file really has: email only on request, after the name, and never in a PDF. */
export function effectiveColumns(
  req: Pick<ExportRequest, 'columns' | 'includeEmail' | 'format' | 'purpose'> & {
    letter?: Pick<Letter, 'askOccupation'>;
  },
): ExportColumn[] {
  const chosen = (req.columns ?? (req.letter ? defaultColumns(req.letter) : DEFAULT_COLUMNS)).filter(
    (c, i, all) => c !== 'email' && all.indexOf(c) === i,
  );
  if (!req.includeEmail || req.format === 'pdf') return chosen.length ? chosen : ['name'];
  const at = chosen.indexOf('name') + 1;
  return [...chosen.slice(0, at), 'email', ...chosen.slice(at)];
}

function columnLabels(language: Language): Record<ExportColumn, string> {
  const t = tFor(language);
  const keys: ExportColumn[] = [
    'name',
    'email',
    'country',
    'city',
    'organisation',
    'occupation',
    'signedAs',
    'signedAt',
    'source',
    'textVersion',
  ];
  return Object.fromEntries(keys.map((k) => [k, t(`exports.columns.${k}`)])) as Record<ExportColumn, string>;
}

/** Maps cursor rows to export rows; country names are looked up once per country, not per row. */
function rowMapper(language: Language, purpose: ExportPurpose): (r: DbRow) => ExportRow {
  const names = new Map<string, string>();
  const nameOf = (code: string): string => {
    let name = names.get(code);
    if (name === undefined) {
      name = countryName(code, language);
      names.set(code, name);
    }
    return name;
  };
  const publication = purpose === 'publication';
  return ([
    fullName,
    email,
    country,
    city,
    organisation,
    signedAs,
    signedAt,
    source,
    visibility,
    textLanguage,
    textVersion,
    occupation,
  ]) => ({
    // The query leaves private signers out of a publication file; initials-only ones show initials and no city.
    name: publication && visibility === 'initials' ? initialsOf(fullName) : fullName,
    email: publication ? null : email,
    country,
    countryName: nameOf(country),
    city: publication && visibility !== 'public' ? null : city,
    // As on the public page: an initials-only individual's organisation would say who they are.
    organisation: publication && visibility !== 'public' && signedAs === 'individual' ? null : organisation,
    // As on the public page: only beside a full name.
    occupation: publication && visibility !== 'public' ? null : occupation,
    signedAs,
    signedAt,
    source,
    textVersion: textLanguage && textVersion ? { language: textLanguage, version: textVersion } : null,
  });
}

/** The versions of the text that the selected signatures are under, with their words, oldest first per language. */
async function signedTextVersions(client: PoolClient, sel: SelectionSql, letter: Letter): Promise<SignedTextVersion[]> {
  const { rows } = await client.query<{ language: Language; version: number; n: string }>(
    textVersionsQuery(sel),
    sel.params,
  );
  const out: SignedTextVersion[] = [];
  for (const language of [...new Set(rows.map((r) => r.language))].sort()) {
    const earlier = await client.query<{ version: number; title: string; body: string; published_at: Date }>(
      `SELECT version, title, body, published_at FROM letter_text_versions WHERE letter_id = $1 AND language = $2 ORDER BY version`,
      [letter.id, language],
    );
    const current = letter.translations.find((t) => t.language === language);
    const texts = [
      ...earlier.rows.map((v) => ({
        version: v.version,
        title: v.title,
        body: v.body,
        publishedAt: v.published_at,
        current: false,
      })),
      ...(current
        ? [
            {
              version: current.textVersion,
              title: current.title,
              body: current.body,
              publishedAt: current.textVersionAt,
              current: true,
            },
          ]
        : []),
    ];
    for (const text of texts) {
      const n = Number(rows.find((r) => r.language === language && r.version === text.version)?.n ?? 0);
      if (n)
        out.push({
          language,
          version: text.version,
          title: text.title,
          body: text.body,
          publishedAt: text.publishedAt,
          current: text.current,
          signatures: n,
        });
    }
  }
  return out;
}

async function* cursorRows(
  client: PoolClient,
  map: (r: DbRow) => ExportRow,
  onBatch: (n: number) => void,
): AsyncGenerator<ExportRow> {
  const fetch = (): Promise<QueryArrayResult<DbRow>> =>
    client.query<DbRow>({ text: `FETCH ${FETCH_BATCH} FROM export_rows`, rowMode: 'array' });
  let pending: Promise<QueryArrayResult<DbRow>> | null = fetch();
  try {
    while (pending) {
      const rows: DbRow[] = (await pending).rows;
      // Ask for the next batch now: PostgreSQL reads it while the writer encodes this one.
      pending = rows.length === FETCH_BATCH ? fetch() : null;
      for (const r of rows) yield map(r);
      onBatch(rows.length);
    }
  } finally {
    // The writer stopped early (client gone): a prefetch still in flight must not reject unobserved.
    pending?.catch(() => undefined);
  }
}

/** Ends `out` and waits for 'finish'. (Not end(callback): compression and session wrap res.end and drop it.) */
async function endStream(out: NodeJS.WritableStream): Promise<void> {
  const done = finished(out, { readable: false });
  out.end();
  await done;
}

/** Streams the export to `out` (which the writer ends) and records it in export_audit. */
export async function exportSignatures(
  ctx: AppContext,
  req: ExportRequest,
  out: NodeJS.WritableStream,
  hooks: ExportHooks = {},
): Promise<ExportResult> {
  const purpose: ExportPurpose = req.purpose ?? 'delivery';
  if (req.includeEmail && purpose === 'publication') throw new EmailNotAllowed();
  const filters: ExportFilters = { ...NO_FILTERS, ...req.filters };
  const translation = chooseTranslation(req.letter.translations, req.letter.defaultLanguage, [
    isLanguage(req.language) ? req.language : null,
  ]);
  const language = translation.language;
  const columns = effectiveColumns({ ...req, purpose });
  const includeEmail = columns.includes('email');
  const sel = selection(req.letter.id, filters, purpose);

  const exportId = crypto.randomUUID();
  const generatedAt = new Date();
  const fileName = exportFileName(req.letter.slug, generatedAt, exportId, req.format);

  const client = await pgPool(ctx.db).connect();
  let failed: Error | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // The verified count is the public one, read from the folded totals in this snapshot; so is the
    // number of rows of an unfiltered delivery file, which then costs no pass over the signatures.
    const counted = await client.query<{ n: string }>(VERIFIED_COUNT_SQL, [req.letter.id]);
    const verified = Number(counted.rows[0]?.n ?? 0);
    const everyCounted =
      purpose === 'delivery' &&
      filters.scope === 'verified' &&
      !filters.from &&
      !filters.to &&
      !filters.country &&
      !filters.signedAs;
    const total = everyCounted
      ? verified
      : Number((await client.query<{ total: string }>(countsQuery(sel), sel.params)).rows[0]?.total ?? 0);
    if (req.format === 'pdf' && total > PDF_MAX_ROWS) throw new PdfTooLarge(total);
    // The pack prints every text its signatures are under: counted in the file's snapshot.
    const textVersions = req.format === 'pdf' ? await signedTextVersions(client, sel, req.letter) : undefined;
    // The delivery CSV is written by COPY (copy-csv.ts); every other file from a cursor's rows.
    const byCopy = req.format === 'csv' && purpose === 'delivery';
    if (!byCopy)
      await client.query(`DECLARE export_rows NO SCROLL CURSOR FOR ${rowsQuery(sel, includeEmail)}`, sel.params);

    const t = tFor(language);
    const snapshotRows = async (sql: string, params: unknown[]) =>
      (await client.query<Record<string, unknown>>(sql, params)).rows;
    const meta: ExportMeta = {
      exportId,
      letterTitle: translation.title,
      letterBody: translation.body,
      recipient: translation.recipient,
      language,
      generatedAt,
      verifiedCount: verified,
      columns,
      labels: columnLabels(language),
      footerText: t('exports.pdf.footer', { url: `${ctx.config.BASE_URL}/verify` }),
      textVersions,
      // The pack ends with what the organisers did, read in the same snapshot as the rows.
      ...(req.format === 'pdf'
        ? {
            auditSummary: await readAuditSummary(snapshotRows, req.letter.id, language),
            auditChainHead: await readAuditChainHead(snapshotRows, req.letter.id, language),
          }
        : {}),
    };
    const start: ExportStart = { exportId, fileName, contentType: contentTypes[req.format], total };
    hooks.onStart?.(start);

    // `out` stays open after the writer finishes: it is ended only once the audit row is committed,
    // so a file the recipient receives complete always has its audit row, and an audit failure
    // breaks the download instead of delivering a file nobody can verify.
    const digest = createDigestingStream(out, { end: false });
    let rowCount: number;
    try {
      if (byCopy) {
        ({ rowCount } = await copyCsv(client, sel, meta, language, digest.stream, (done) =>
          hooks.onProgress?.(done, total),
        ));
      } else {
        let done = 0;
        const rows = cursorRows(client, rowMapper(language, purpose), (n) => {
          done += n;
          hooks.onProgress?.(done, total);
        });
        ({ rowCount } = await writers[req.format](rows, digest.stream, meta));
        await client.query('CLOSE export_rows');
      }
    } catch (err) {
      digest.stream.destroy();
      throw err;
    }
    await client.query('COMMIT');

    const sha256 = digest.digest();
    const bytes = digest.bytes();
    const audit = await ctx.db.transaction(async (tx) => {
      const row = tx.create(ExportAudit, {
        id: exportId,
        letterId: req.letter.id,
        organiserId: req.organiserId,
        recipientLinkId: req.recipientLinkId ?? null,
        format: req.format,
        purpose,
        language,
        filters: { ...filters },
        columns,
        includeEmail,
        rowCount,
        sha256,
        bytes: String(bytes),
        fileName,
      });
      const saved = await tx.save(row);
      await recordAudit(tx, {
        letterId: req.letter.id,
        actor: await auditActorById(tx, req.organiserId),
        kind: 'exports.file-exported',
        detail: {
          exportId,
          format: req.format,
          purpose,
          rowCount,
          includeEmail,
          ...(req.recipientLinkId ? { recipientLinkId: req.recipientLinkId } : {}),
        },
      });
      await req.alsoInTransaction?.(tx, exportId);
      return saved;
    });
    await endStream(out);
    ctx.log.info(
      { exportId, letterId: req.letter.id, format: req.format, purpose, rowCount, bytes },
      'export produced',
    );
    return { ...start, rowCount, sha256, bytes, createdAt: audit.createdAt };
  } catch (err) {
    failed = err instanceof Error ? err : new Error(String(err));
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    // A client whose ROLLBACK failed may be mid-protocol: pass the error so the pool discards it.
    client.release(failed && !(failed instanceof AppError) ? failed : undefined);
  }
}
