import type { Language } from '../../../src/core/letters/letter.entity';
import type { SignatureStatus } from '../../../src/features/signatures/signature.entity';
import {
  countSegmentByLanguage,
  segmentRecipientIds,
  type Segment,
} from '../../../src/features/updates/update-segment';
import { aLetter, aSignature, anEmail } from '../../support/factories';
import { useTestApp } from '../../support/test-app';

const t = useTestApp({}, { worker: false });

/** mulberry32: a small seeded generator, so a failure names the seed that reproduces it. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const chance = (p: number) => next() < p;
  return { pick, chance };
}

const COUNTRIES = ['UA', 'FR', 'KZ', 'DE', 'PL'] as const;
const LANGUAGES: Language[] = ['en', 'fr', 'uk', 'ru', 'kk'];
const VERSIONS = [
  null,
  { language: 'en', version: 1 },
  { language: 'en', version: 2 },
  { language: 'fr', version: 1 },
] as const;
const STATUSES: SignatureStatus[] = ['confirmed', 'confirmed', 'confirmed', 'pending', 'invalidated', 'bounced'];

interface Signer {
  id: string;
  status: SignatureStatus;
  wantsUpdates: boolean;
  held: boolean;
  hasEmail: boolean;
  country: string;
  source: 'online' | 'paper';
  textLanguage: string | null;
  textVersion: number | null;
  language: Language;
}

/** Whom a segment should reach, written out plainly over the signers as the test made them. */
function expected(signers: Signer[], s: Segment): Signer[] {
  return signers.filter(
    (x) =>
      x.status === 'confirmed' &&
      x.wantsUpdates &&
      !x.held &&
      x.hasEmail &&
      (!s.countries || s.countries.includes(x.country)) &&
      (!s.textVersion || (x.textLanguage === s.textVersion.language && x.textVersion === s.textVersion.version)) &&
      (!s.source || x.source === s.source),
  );
}

describe('segments of an update', () => {
  test.each([1, 2, 3])(
    'over random signers and random choices, the segment selects exactly the signers a direct filter finds (seed %i)',
    async (seed) => {
      const r = random(seed);
      const letter = await aLetter(t.db);
      const other = await aLetter(t.db);
      const signers: Signer[] = [];
      for (let i = 0; i < 60; i++) {
        const version = r.pick(VERSIONS);
        const s: Omit<Signer, 'id'> = {
          status: r.pick(STATUSES),
          wantsUpdates: r.chance(0.7),
          held: r.chance(0.1),
          hasEmail: r.chance(0.9),
          country: r.pick(COUNTRIES),
          source: r.chance(0.3) ? 'paper' : 'online',
          textLanguage: version?.language ?? null,
          textVersion: version?.version ?? null,
          language: r.pick(LANGUAGES),
        };
        const email = s.hasEmail ? anEmail('segment') : null;
        const row = await aSignature(t.db, letter, {
          email,
          status: s.status,
          wantsUpdates: s.wantsUpdates,
          heldReason: s.held ? 'burst' : null,
          country: s.country,
          source: s.source,
          textLanguage: s.textLanguage as Language | null,
          textVersion: s.textVersion,
          language: s.language,
        });
        signers.push({ ...s, id: row.id });
      }
      // Signers of another letter never count.
      for (let i = 0; i < 5; i++) await aSignature(t.db, other, { email: anEmail('segment'), wantsUpdates: true });

      for (let n = 0; n < 40; n++) {
        const countries = r.chance(0.5) ? COUNTRIES.filter(() => r.chance(0.4)) : [];
        const version = r.chance(0.4) ? r.pick(VERSIONS) : null;
        const segment: Segment = {
          countries: countries.length ? countries : null,
          textVersion: version ? { language: version.language as Language, version: version.version } : null,
          source: r.chance(0.3) ? r.pick(['online', 'paper'] as const) : null,
        };
        const want = expected(signers, segment);
        const label = `seed ${seed}, choice ${n}: ${JSON.stringify(segment)}`;
        expect([label, await segmentRecipientIds(t.db, letter.id, segment)]).toEqual([
          label,
          want.map((x) => x.id).sort(),
        ]);
        const byLanguage = await countSegmentByLanguage(t.db, letter.id, segment);
        for (const language of LANGUAGES)
          expect([label, language, byLanguage.get(language) ?? 0]).toEqual([
            label,
            language,
            want.filter((x) => x.language === language).length,
          ]);
      }
    },
  );
});
