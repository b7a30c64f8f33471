import type { z } from 'zod';

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
    errors[field] ??= issue.message.startsWith('form.') ? issue.message : 'form.errors.invalid';
  }
  return { ok: false, errors };
}
