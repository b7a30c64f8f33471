import { parse } from 'csv-parse/sync';
import countries from 'i18n-iso-countries';
import { isCalendarDay } from '../updates';
import { CONTROL_CHARACTERS } from '../../platform/web/validate';
import type { PaperRow, PaperRowError } from './paper-import.entity';

/** A sheet bigger than this is split by the organiser: the preview page must stay readable. */
export const MAX_PAPER_ROWS = 5000;

export type PaperFileError = 'empty' | 'unreadable' | 'missingColumns' | 'tooManyRows' | 'controlCharacters';
/** `line` (1-based) says where, for an error found on one line. */
export type ParsedSheet = { ok: true; rows: PaperRow[] } | { ok: false; error: PaperFileError; line?: number };

/** ; or , : whichever appears more often in the header line (Excel in much of Europe writes ;). */
export function detectDelimiter(text: string): ';' | ',' {
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const count = (ch: string) => header.split(ch).length - 1;
  return count(';') > count(',') ? ';' : ',';
}

/** An ISO 3166 code (alpha-2 or alpha-3, any case) or an English country name. */
export function resolveCountry(input: string): string | null {
  const v = input.trim();
  if (!v) return null;
  if (/^[A-Za-z]{2}$/.test(v) && countries.isValid(v.toUpperCase())) return v.toUpperCase();
  if (/^[A-Za-z]{3}$/.test(v)) {
    const a2 = countries.alpha3ToAlpha2(v.toUpperCase());
    if (a2) return a2;
  }
  return countries.getAlpha2Code(v, 'en') ?? null;
}

const clean = (v: unknown) => (typeof v === 'string' ? v.normalize('NFC').replace(/\s+/g, ' ').trim() : '');

/**
 * Reads a sheet of paper signatures (columns name, country, city, date) and checks every row.
 * Nothing is saved here: the result is what the preview shows. `today` (YYYY-MM-DD, UTC) bounds
 * the dates, so no signature is dated in the future.
 */
export function parsePaperSheet(input: Buffer | string, today: string): ParsedSheet {
  const text = (Buffer.isBuffer(input) ? input.toString('utf8') : input).replace(/^\uFEFF/, '');
  if (!text.trim()) return { ok: false, error: 'empty' };
  // A NUL (a spreadsheet saved in another format, a damaged file) is refused before anything is
  // parsed or stored, with its line: PostgreSQL cannot store it, and nobody's name holds one.
  const bad = CONTROL_CHARACTERS.exec(text);
  if (bad) return { ok: false, error: 'controlCharacters', line: text.slice(0, bad.index).split(/\r\n|\r|\n/).length };
  let table: string[][];
  try {
    table = parse(text, {
      bom: true,
      delimiter: detectDelimiter(text),
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    });
  } catch {
    return { ok: false, error: 'unreadable' };
  }
  const [header, ...body] = table;
  if (!header) return { ok: false, error: 'empty' };
  const columns = header.map((h) => h.trim().toLowerCase());
  if (!['name', 'country', 'date'].every((c) => columns.includes(c))) return { ok: false, error: 'missingColumns' };
  if (body.length > MAX_PAPER_ROWS) return { ok: false, error: 'tooManyRows' };
  const records = body.map((cells) => Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? ''])));

  const seen = new Set<string>();
  const rows = records.map((rec, i): PaperRow => {
    const errors: PaperRowError[] = [];
    const name = clean(rec.name);
    const countryInput = clean(rec.country);
    const city = clean(rec.city) || null;
    const date = clean(rec.date);
    if (!name) errors.push('nameMissing');
    else if (name.length > 200) errors.push('nameTooLong');
    const country = resolveCountry(countryInput);
    if (!country) errors.push('countryUnknown');
    if (city && city.length > 120) errors.push('cityTooLong');
    if (!isCalendarDay(date)) errors.push('dateInvalid');
    else if (date > today) errors.push('dateFuture');
    if (name) {
      // The same person written twice on the sheets: same name, country and city, whatever the case.
      const key = [name.toLowerCase(), country ?? countryInput.toLowerCase(), (city ?? '').toLowerCase()].join('|');
      if (seen.has(key)) errors.push('duplicate');
      seen.add(key);
    }
    return { line: i + 2, name, country, countryInput, city, date, errors };
  });
  return { ok: true, rows };
}
