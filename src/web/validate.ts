import type { z } from 'zod';

const MESSAGE_KEY = /^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9_]+)+$/;

export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: Record<string, string> };

/**
 * Parses a form against its schema: typed data, or one message key per field for the form to
 * show beside that field (the first problem found for each).
 */
export function parseForm<S extends z.ZodTypeAny>(schema: S, input: unknown): FormResult<z.output<S>> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return { ok: true, data: result.data };
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? '_form');
    // A message that is a catalogue key (any feature's namespace) is kept; zod's own prose is not.
    errors[field] ??= MESSAGE_KEY.test(issue.message) ? issue.message : 'form.errors.invalid';
  }
  return { ok: false, errors };
}
