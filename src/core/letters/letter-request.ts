import type { Request } from 'express';
import { NotFound } from '../../platform/web/errors';
import { isLanguage } from '../../platform/web/i18n';
import type { Language, Letter } from './letter.entity';
import { chooseTranslation } from './letters.service';
import { isSlug } from './slug';

/** The `:slug` route parameter, or a 404 for anything that cannot be a slug. */
export function slugParam(req: Request): string {
  const slug = String(req.params.slug ?? '');
  if (!isSlug(slug)) throw new NotFound();
  return slug;
}

/** The version asked for with ?lang=, when it names a language we have. */
export function askedLanguage(req: Request): Language | null {
  return typeof req.query.lang === 'string' && isLanguage(req.query.lang) ? req.query.lang : null;
}

/** The letter's version to show: ?lang= first, then the interface language, then the letter's own. */
export function versionFor(req: Request, letter: Letter) {
  return chooseTranslation(letter.translations, letter.defaultLanguage, [askedLanguage(req), req.lang]);
}
