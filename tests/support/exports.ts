import { binary } from './files';
import type { Browser } from './organisers';

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
