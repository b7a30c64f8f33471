import { z } from 'zod';

const MESSAGE_KEY = /^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9_]+)+$/;

export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: Record<string, string> };

/**
 * C0 control characters (and DEL) other than tab, line feed and carriage return (a textarea
 * sends its newlines as CR LF). Nobody types them; a NUL reaching PostgreSQL fails the query.
 */
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The message shown beside a field that holds one (common catalogue, every language). */
export const CONTROL_CHARACTERS_MESSAGE = 'form.errors.controlCharacters';

const EVERY_CONTROL_CHARACTER_BUT_LINES = new RegExp(CONTROL_CHARACTERS.source, 'g');
const EVERY_CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/g;

/**
 * What a form's text keeps: NFC (a letter typed with a combining accent is the same letter), no
 * control character (each made a space; `lines` keeps tab and line breaks, for a textarea), no
 * space at either end. Forms holding control characters are refused before their schema
 * (controlCharacterErrors); this is the schema's own guard.
 */
export function cleanText(s: string, opts: { lines: boolean }): string {
  return s
    .normalize('NFC')
    .replace(opts.lines ? EVERY_CONTROL_CHARACTER_BUT_LINES : EVERY_CONTROL_CHARACTER, ' ')
    .trim();
}

/**
 * An optional text field, cleaned (cleanText) and at most `max` characters; empty when not sent.
 * `tooLong` is the message key beside the field when it is longer, or not text at all.
 */
export function formText(max: number, tooLong: string, opts: { lines: boolean } = { lines: true }) {
  return z
    .string({ message: tooLong })
    .optional()
    .transform((s) => cleanText(s ?? '', opts))
    .pipe(z.string().max(max, { message: tooLong }));
}

export function hasControlCharacters(value: unknown): boolean {
  if (typeof value === 'string') return CONTROL_CHARACTERS.test(value);
  if (Array.isArray(value)) return value.some(hasControlCharacters);
  if (value && typeof value === 'object')
    return Object.values(value as Record<string, unknown>).some(hasControlCharacters);
  return false;
}

/**
 * One field error per submitted field (a form body or a query string) holding a control
 * character, whatever the form: every text input is checked the same way before its schema.
 */
export function controlCharacterErrors(input: unknown): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!input || typeof input !== 'object') return errors;
  for (const [field, value] of Object.entries(input as Record<string, unknown>)) {
    if (hasControlCharacters(value)) errors[field] = CONTROL_CHARACTERS_MESSAGE;
  }
  return errors;
}

/**
 * Parses a form against its schema: typed data, or one message key per field for the form to
 * show beside that field (the first problem found for each). A field with a control character
 * is refused whatever its schema says.
 */
export function parseForm<S extends z.ZodTypeAny>(schema: S, input: unknown): FormResult<z.output<S>> {
  const errors = controlCharacterErrors(input);
  const result = schema.safeParse(input ?? {});
  if (result.success && !Object.keys(errors).length) return { ok: true, data: result.data };
  for (const issue of result.error?.issues ?? []) {
    const field = String(issue.path[0] ?? '_form');
    // A message that is a catalogue key (any feature's namespace) is kept; zod's own prose is not.
    errors[field] ??= MESSAGE_KEY.test(issue.message) ? issue.message : 'form.errors.invalid';
  }
  return { ok: false, errors };
}
