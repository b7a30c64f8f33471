import type { NextFunction, Request, Response } from 'express';
import { LANGUAGES, type Language } from './languages';
import { formatDate, formatNumber, fromAcceptLanguage, isLanguage, tFor, countryName } from './i18n';
import { localPath } from './local-path';

export const LANG_COOKIE = 'lang';

/**
 * The locale middleware: ?lang= (remembered in a cookie), else the cookie, else Accept-Language,
 * else English. In production the cookie is Secure, like every other cookie of the site.
 */
export function localeFor(opts: { secureCookie: boolean }): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => locale(req, res, next, opts.secureCookie);
}

function locale(req: Request, res: Response, next: NextFunction, secureCookie: boolean): void {
  const q = typeof req.query.lang === 'string' ? req.query.lang : undefined;
  let lang: Language = 'en';
  if (isLanguage(q)) {
    lang = q;
    res.cookie(LANG_COOKIE, q, {
      sameSite: 'lax',
      httpOnly: true,
      secure: secureCookie,
      maxAge: 365 * 86400_000,
      path: '/',
    });
  } else if (isLanguage(req.cookies?.[LANG_COOKIE])) {
    lang = req.cookies[LANG_COOKIE];
  } else {
    lang = fromAcceptLanguage(req.get('accept-language')) ?? 'en';
  }
  req.lang = lang;
  req.t = tFor(lang);
  res.locals.lang = lang;
  res.locals.t = req.t;
  res.locals.languages = LANGUAGES;
  res.locals.fmtNumber = (n: number) => formatNumber(n, lang);
  res.locals.fmtDate = (d: Date) => formatDate(d, lang);
  res.locals.countryName = (code: string) => countryName(code, lang);
  // Views build the language links from it: never a link to another host ("//evil.example").
  res.locals.path = localPath(req.path);
  res.vary('Accept-Language');
  // What the reader gets is in this language, whichever of the above chose it.
  res.set('Content-Language', lang);
  next();
}
