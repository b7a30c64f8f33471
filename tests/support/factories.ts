import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Letter, type Language, type LetterStatus, type Visibility } from '../../src/core/letters/letter.entity';
import { LetterTranslation } from '../../src/core/letters/letter-translation.entity';
import { recordCountChange } from '../../src/core/letters/counts.service';
import { normaliseEmail } from '../../src/platform/mail/email-address';
import { Signature } from '../../src/features/signatures/signature.entity';
import { isCounted } from '../../src/features/signatures/signing.service';

const unique = () => crypto.randomBytes(4).toString('hex');

export async function aLetter(
  db: DataSource,
  overrides: Partial<{
    slug: string;
    status: LetterStatus;
    goal: number | null;
    publicNamesDefault: Visibility;
    language: Language;
    title: string;
  }> = {},
): Promise<Letter> {
  const letter = await db.getRepository(Letter).save({
    slug: overrides.slug ?? `test-letter-${unique()}`,
    status: overrides.status ?? 'open',
    goal: overrides.goal ?? 100,
    defaultLanguage: overrides.language ?? 'en',
    publicNamesDefault: overrides.publicNamesDefault ?? 'private',
  });
  await db.getRepository(LetterTranslation).save({
    letterId: letter.id,
    language: overrides.language ?? 'en',
    title: overrides.title ?? `A test letter ${unique()}`,
    summary: 'A letter made by a test.',
    body: 'We ask for **justice**.',
    recipient: 'The Minister',
  });
  return letter;
}

export type SignatureOverrides = Partial<
  Pick<
    Signature,
    | 'fullName'
    | 'email'
    | 'emailNormalised'
    | 'country'
    | 'city'
    | 'organisation'
    | 'signedAs'
    | 'visibility'
    | 'wantsUpdates'
    | 'language'
    | 'status'
    | 'heldReason'
    | 'hidden'
    | 'source'
    | 'originHash'
    | 'createdAt'
    | 'confirmedAt'
    | 'invalidatedAt'
    | 'invalidatedReason'
    | 'textLanguage'
    | 'textVersion'
  >
>;

/**
 * A signature written straight to the database (no email round trip), in any state: pending
 * (`status: 'pending'`), confirmed (the default), held (`heldReason: '…'`), invalidated
 * (`status: 'invalidated'`), hidden, from paper… The address is unique unless given, and its
 * normalised form is the one signing stores. A counted signature (confirmed and not held) moves
 * the count as confirming does, through the count service, in the same transaction.
 */
export async function aSignature(
  db: DataSource,
  letter: Pick<Letter, 'id'> | string,
  overrides: SignatureOverrides = {},
): Promise<Signature> {
  const letterId = typeof letter === 'string' ? letter : letter.id;
  const email = overrides.email === undefined ? anEmail() : overrides.email;
  const status = overrides.status ?? 'confirmed';
  const at = overrides.createdAt ?? new Date();
  return db.transaction(async (tx) => {
    const sig = await tx.getRepository(Signature).save({
      fullName: 'Ірина Бондаренко',
      country: 'UA',
      city: 'Львів',
      visibility: 'public',
      language: 'en',
      heldReason: null,
      ...overrides,
      letterId,
      email,
      emailNormalised:
        overrides.emailNormalised === undefined ? email && normaliseEmail(email) : overrides.emailNormalised,
      status,
      createdAt: at,
      confirmedAt: overrides.confirmedAt === undefined ? (status === 'pending' ? null : at) : overrides.confirmedAt,
      invalidatedAt:
        overrides.invalidatedAt === undefined ? (status === 'invalidated' ? at : null) : overrides.invalidatedAt,
      invalidatedReason:
        overrides.invalidatedReason === undefined
          ? status === 'invalidated'
            ? 'spam'
            : null
          : overrides.invalidatedReason,
    });
    // Counted when it was confirmed, for the count's history.
    if (isCounted(sig)) await recordCountChange(tx, letterId, sig.country, 1, sig.confirmedAt ?? undefined);
    return sig;
  });
}

export function anEmail(prefix = 'signer'): string {
  return `${prefix}-${unique()}@example.org`;
}

export function signForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    fullName: 'Олена Ковальчук',
    email: anEmail(),
    country: 'UA',
    city: 'Київ',
    organisation: '',
    signedAs: 'individual',
    visibility: 'public',
    ...overrides,
  };
}
