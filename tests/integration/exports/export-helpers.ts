import crypto from 'node:crypto';
import type { Response } from 'superagent';
import type { DataSource } from 'typeorm';
import type { Letter } from '../../../src/core/letters/letter.entity';
import type { Signature } from '../../../src/features/signatures/signature.entity';
import { aSignature } from '../../support/factories';
import type { Browser } from '../../support/organisers';

/** Collects a response body as raw bytes, whatever its type (supertest parses text formats otherwise). */
export function binary(res: Response, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

export const sha256 = (bytes: Buffer): string => crypto.createHash('sha256').update(bytes).digest('hex');

export type ExportFormFields = Partial<{
  format: string;
  purpose: string;
  scope: string;
  from: string;
  to: string;
  country: string;
  signedAs: string;
  columns: string[];
  includeEmail: boolean;
  language: string;
}>;

/** The form body as a browser sends it: repeated `columns`, the box only when ticked. */
export function exportBody(fields: ExportFormFields, csrf?: string): string {
  const p = new URLSearchParams();
  if (csrf) p.append('_csrf', csrf);
  p.append('format', fields.format ?? 'csv');
  p.append('purpose', fields.purpose ?? 'delivery');
  p.append('scope', fields.scope ?? 'verified');
  p.append('from', fields.from ?? '');
  p.append('to', fields.to ?? '');
  p.append('country', fields.country ?? '');
  p.append('signedAs', fields.signedAs ?? '');
  for (const c of fields.columns ?? ['name', 'country', 'city', 'organisation', 'signedAs', 'signedAt'])
    p.append('columns', c);
  if (fields.includeEmail) p.append('includeEmail', 'on');
  p.append('language', fields.language ?? 'en');
  return p.toString();
}

/** Downloads an export through the organiser's page, as the browser would. */
export async function download(b: Browser, slug: string, fields: ExportFormFields = {}) {
  const csrf = await b.csrfFrom(`/organise/letters/${slug}/export`);
  return b.agent
    .post(`/organise/letters/${slug}/export`)
    .type('form')
    .send(exportBody(fields, csrf))
    .buffer(true)
    .parse(binary);
}

let seq = 0;

/**
 * A signature with every field an export can show (see aSignature), signed at distinct, increasing
 * times so the file order (by time of signing) is predictable.
 */
export function aSigner(
  db: DataSource,
  letter: Letter,
  o: Partial<{
    fullName: string;
    email: string | null;
    country: string;
    city: string | null;
    organisation: string | null;
    signedAs: 'individual' | 'organisation';
    visibility: 'public' | 'initials' | 'private';
    status: 'pending' | 'confirmed' | 'invalidated';
    heldReason: string | null;
    hidden: boolean;
    source: 'online' | 'paper';
    at: Date;
  }> = {},
): Promise<Signature> {
  const { at, ...overrides } = o;
  return aSignature(db, letter, {
    ...overrides,
    createdAt: at ?? new Date(Date.UTC(2025, 10, 1, 12, 0, 0) + ++seq * 1000),
  });
}

export function fileNameOf(res: { headers: Record<string, string> }): string {
  const m = /attachment; filename="([^"]+)"/.exec(res.headers['content-disposition'] ?? '');
  if (!m) throw new Error(`no attachment file name in ${res.headers['content-disposition']}`);
  return m[1];
}

/** Opens an XLSX with exceljs (its typings predate Node's generic Buffer, hence the cast). */
export async function readXlsx(bytes: Buffer): Promise<import('exceljs').Workbook> {
  const ExcelJS = (await import('exceljs')).default;
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as Parameters<typeof wb.xlsx.load>[0]);
  return wb;
}
