import { z } from 'zod';
import { FEATURED_DESCRIPTION_MAX, MAX_FEATURED } from './notable.service';
import { parseMailDomain } from './affiliations.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One line of text: NFC, line breaks and tabs as spaces, spaces collapsed, trimmed. */
const oneLine = (max: number, message: string) =>
  z
    .string({ message })
    .optional()
    .transform((s) => (s ?? '').normalize('NFC').replace(/\s+/g, ' ').trim())
    .pipe(z.string().max(max, { message }));

export const signatureIdSchema = z.string().regex(UUID);

/** The owner features a signature, with its line. */
export const featureFormSchema = z.object({
  signatureId: z.string({ message: 'signatories.notable.errors.notPublic' }).regex(UUID, {
    message: 'signatories.notable.errors.notPublic',
  }),
  description: oneLine(FEATURED_DESCRIPTION_MAX, 'signatories.notable.errors.description'),
});

/** One featured row's form: its line and place (save), a step up or down, or off the list. */
export const featuredRowSchema = z.object({
  action: z.enum(['save', 'up', 'down', 'remove'], { message: 'form.errors.invalid' }),
  description: oneLine(FEATURED_DESCRIPTION_MAX, 'signatories.notable.errors.description'),
  position: z
    .string()
    .optional()
    .transform((s) => (s ?? '').trim())
    .pipe(
      z.union([
        z.literal(''),
        z
          .string()
          .regex(/^\d{1,3}$/, { message: 'signatories.notable.errors.position' })
          .transform(Number)
          .pipe(z.number().int().min(1).max(MAX_FEATURED, { message: 'signatories.notable.errors.position' })),
      ]),
    )
    .transform((v) => (v === '' ? null : v)),
});

/** The search for a signature to feature (the owners' page's GET form). */
export const candidateQuerySchema = z.object({
  q: z
    .string()
    .optional()
    .transform((s) => (s ?? '').normalize('NFC').replace(/\s+/g, ' ').trim().slice(0, 100)),
});

/** An entry of the affiliation list: an organisation's name and one of its mail domains. */
export const affiliationFormSchema = z.object({
  organisation: oneLine(200, 'signatories.affiliation.errors.organisation').pipe(
    z.string().min(2, { message: 'signatories.affiliation.errors.organisation' }),
  ),
  domain: z.string({ message: 'signatories.affiliation.errors.domain' }).transform((s, c) => {
    const d = parseMailDomain(s);
    if (!d) {
      c.addIssue({ code: 'custom', message: 'signatories.affiliation.errors.domain' });
      return z.NEVER;
    }
    return d;
  }),
});

/** The owners' switch on the letter's edit page: the box sends "on" when ticked, nothing when not. */
export const searchEnginesFormSchema = z.object({
  noindex: z
    .string()
    .optional()
    .transform((s) => s === 'on'),
});
