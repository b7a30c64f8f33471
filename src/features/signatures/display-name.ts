import type { Visibility } from '../../core/letters/letter.entity';

/** "Айгерім Қасымқызы" → "А. Қ."; works letter by letter, so any script keeps its initials. */
export function initialsOf(fullName: string): string {
  return fullName
    .trim()
    .split(/[\s-]+/u)
    .filter(Boolean)
    .map((part) => `${Array.from(part)[0]?.toLocaleUpperCase() ?? ''}.`)
    .join(' ');
}

/** What the public may see of a signer's name; null when the signer chose privacy. */
export function publicName(fullName: string, visibility: Visibility): string | null {
  if (visibility === 'public') return fullName;
  if (visibility === 'initials') return initialsOf(fullName);
  return null;
}
