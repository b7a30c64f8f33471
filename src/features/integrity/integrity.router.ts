import { Router } from 'express';
import type { AppContext } from '../../platform/context';
import { findPublicLetter } from '../../core/letters/letters.service';
import { slugParam, versionFor } from '../../core/letters/letter-request';
import { INVALIDATION_CATEGORIES } from '../signatures';
import { letterSupportMap } from '../signatories';
import { integrityReport } from './integrity.service';

/** The public integrity report of a letter: counts only, each explained in plain words. */
export function integrityRouter(ctx: AppContext): Router {
  const r = Router();

  r.get('/letters/:slug/integrity', async (req, res) => {
    const letter = await findPublicLetter(ctx.db, slugParam(req));
    const version = versionFor(req, letter);
    const [report, map] = await Promise.all([
      integrityReport(ctx.db, letter.id),
      letterSupportMap(ctx.db, letter.id, req.lang, req.t),
    ]);
    res.set('Cache-Control', 'public, max-age=10');
    res.render('integrity/report', {
      title: req.t('integrity.title', { letter: version.shortTitle ?? version.title }),
      letter: { slug: letter.slug, title: version.title },
      report,
      // The map of verified signatures by country, and its table; small countries as "fewer than 5".
      map,
      categories: INVALIDATION_CATEGORIES,
      pendingDays: ctx.config.PENDING_RETENTION_DAYS,
    });
  });

  return r;
}
