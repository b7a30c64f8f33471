import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Letter, type Language, type LetterStatus, type Visibility } from '../../src/letters/letter.entity';
import { LetterTranslation } from '../../src/letters/letter-translation.entity';

const unique = () => crypto.randomBytes(4).toString('hex');

export async function aLetter(
  db: DataSource,
  overrides: Partial<{ slug: string; status: LetterStatus; goal: number | null; publicNamesDefault: Visibility; language: Language; title: string }> = {},
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
