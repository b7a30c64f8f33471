import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Letter, type Language, type LetterStatus, type Visibility } from '../../src/core/letters/letter.entity';
import { seed } from '../../src/core/letters/seed';
import { LetterTranslation } from '../../src/core/letters/letter-translation.entity';
import { recordCountChange } from '../../src/core/letters/counts.service';
import { normaliseEmail } from '../../src/platform/mail/email-address';
import { Signature, type SignatureStatus } from '../../src/features/signatures/signature.entity';
import { isCounted } from '../../src/features/signatures/signature-rows';

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
    | 'occupation'
    | 'comment'
    | 'commentStatus'
    | 'commentAnonymous'
    | 'commentApprovedAt'
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

/* The sample letters a fresh install has. */

export const BIRTHDAY = 'birthday-greeting-mukhtar-ablyazov';
export const FRENCH = 'letter-to-french-authorities';

/** The sample letters, as a fresh install has them (idempotent). */
export async function seededLetter(db: DataSource, slug = BIRTHDAY): Promise<Letter> {
  await seed(db);
  return db.getRepository(Letter).findOneOrFail({ where: { slug }, relations: { translations: true } });
}

/** Adds a verified count for a country the way a confirmation does (a delta row). */
export async function addCount(db: DataSource, letterId: string, country: string, n: number): Promise<void> {
  await db.query('INSERT INTO signature_count_deltas (letter_id, country, delta) VALUES ($1, $2, $3)', [
    letterId,
    country,
    n,
  ]);
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

/** A signer who asked for updates (unless told otherwise), straight in the database: see aSignature. */
export function aSignatureOn(
  db: DataSource,
  letterId: string,
  o: {
    status?: SignatureStatus;
    wantsUpdates?: boolean;
    language?: Language;
    heldReason?: string | null;
    confirmedAt?: Date;
    createdAt?: Date;
  } = {},
): Promise<Signature> {
  return aSignature(db, letterId, {
    fullName: `Signer ${crypto.randomBytes(3).toString('hex')}`,
    email: anEmail('updates'),
    city: null,
    visibility: 'private',
    wantsUpdates: true,
    ...o,
    confirmedAt: (o.status ?? 'confirmed') === 'confirmed' ? (o.confirmedAt ?? new Date()) : null,
  });
}
