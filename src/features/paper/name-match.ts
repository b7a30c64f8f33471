/**
 * A name as the duplicate check compares it: compatibility forms folded (NFKC: full-width
 * letters, ligatures), lower case, accents and other combining marks stripped ("Chloé" and
 * "CHLOE", "Олексій" and "олексии" meet), runs of spaces collapsed.
 */
export function matchingName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The key two signatures share when they may be the same person: normalised name and country. */
export function matchingKey(name: string, country: string): string {
  return `${country.toUpperCase()}|${matchingName(name)}`;
}
