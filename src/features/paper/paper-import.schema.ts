import { z } from 'zod';

/**
 * The "Import" form: the lines of possible duplicates the organiser ticked to import anyway.
 * Anything that is not a line number is ignored (the rows themselves are read back from the
 * saved preview, never from the form).
 */
export const importSchema = z.object({
  include: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform(
      (v) =>
        new Set(
          (v === undefined ? [] : Array.isArray(v) ? v : [v])
            .map(Number)
            .filter((n) => Number.isSafeInteger(n) && n > 0),
        ),
    ),
});
