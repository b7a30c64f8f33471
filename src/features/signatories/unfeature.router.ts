import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import { chooseTranslation, findRecentLetter } from '../../core/letters/letters.service';
import { handlersOf } from '../../platform/web/handlers';
import { tokenPageHeaders } from '../../platform/web/token-page';
import { checkUnfeatureToken, withdrawFromFeature } from './notable.service';

interface LinkDeps {
  ctx: AppContext;
}

/**
 * The featured signer's emailed link: the GET shows what the button does and changes nothing
 * (mail scanners open links); the button POSTs, and the feature ends. The signature stays.
 */
export function unfeatureRouter(ctx: AppContext): Router {
  const on = handlersOf<LinkDeps>({ ctx });
  const r = Router();
  r.get('/s/unfeature/:token', on(showUnfeaturePage));
  r.post('/s/unfeature/:token', on(unfeatureByLink));
  return r;
}

async function letterTitle(ctx: AppContext, letterId: string, req: Request) {
  const letter = await findRecentLetter(ctx.db, letterId);
  const version = chooseTranslation(letter.translations, letter.defaultLanguage, [req.lang]);
  return { slug: letter.slug, title: version.title, language: version.language };
}

function unknownLink(req: Request, res: Response) {
  res.status(404).render('signatures/link-problem', { title: req.t('linkProblem.unknown.title'), problem: 'unknown' });
}

async function showUnfeaturePage({ ctx }: LinkDeps, req: Request, res: Response): Promise<void> {
  tokenPageHeaders(res);
  const check = await checkUnfeatureToken(ctx.db, String(req.params.token));
  if (!check.valid) return unknownLink(req, res);
  res.render('signatories/unfeature', {
    title: req.t('signatories.notable.unfeature.title'),
    letter: await letterTitle(ctx, check.letterId, req),
    token: String(req.params.token),
    featured: check.featured,
    done: false,
  });
}

async function unfeatureByLink({ ctx }: LinkDeps, req: Request, res: Response): Promise<void> {
  tokenPageHeaders(res);
  const result = await withdrawFromFeature(ctx.db, String(req.params.token));
  if (!result.done) return unknownLink(req, res);
  ctx.log.info({ letterId: result.letterId }, 'signer left the featured signatories');
  res.render('signatories/unfeature', {
    title: req.t('signatories.notable.unfeature.doneTitle'),
    letter: await letterTitle(ctx, result.letterId, req),
    token: null,
    featured: false,
    done: true,
  });
}
