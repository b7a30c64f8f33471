import { Router } from 'express';
import type { AppContext } from '../context';
import { chooseTranslation, findLetterById } from '../letters/letters.service';
import { shareBlock } from '../sharing/letter-sharing';
import { verifiedCount } from './counts.service';
import { checkWithdrawToken, confirmSignature, withdrawSignature } from './signing.service';

/** Links from emails. Tokens are in the path; the request logger cuts them out. */
export function signaturesRouter(ctx: AppContext): Router {
  const r = Router();

  async function letterView(letterId: string, lang: Parameters<typeof chooseTranslation>[2][number]) {
    const letter = await findLetterById(ctx.db, letterId);
    const version = chooseTranslation(letter.translations, letter.defaultLanguage, [lang]);
    return { letter, version };
  }

  r.get('/s/confirm/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.set('Referrer-Policy', 'no-referrer');
    const outcome = await confirmSignature(ctx, String(req.params.token));
    if (outcome.kind === 'unknown' || outcome.kind === 'expired') {
      res.status(outcome.kind === 'unknown' ? 404 : 410).render('signatures/link-problem', {
        title: req.t(`linkProblem.${outcome.kind}.title`),
        problem: outcome.kind,
      });
      return;
    }
    const { letter, version } = await letterView(outcome.letterId, req.lang);
    const url = `${ctx.config.BASE_URL}/letters/${letter.slug}`;
    res.render('signatures/confirmed', {
      title: req.t('confirmed.title'),
      letter: { slug: letter.slug, title: version.title, url, goal: letter.goal },
      count: await verifiedCount(ctx.db, letter.id),
      shareText: req.t('share.message', { title: version.title }),
      share: shareBlock(ctx.config.BASE_URL, letter.slug, version.language, version.title, req.t('share.message', { title: version.title })),
    });
  });

  r.get('/s/withdraw/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.set('Referrer-Policy', 'no-referrer');
    const check = await checkWithdrawToken(ctx, String(req.params.token));
    if (!check.valid) {
      return res.status(404).render('signatures/link-problem', { title: req.t('linkProblem.unknown.title'), problem: 'unknown' });
    }
    const { letter, version } = await letterView(check.letterId, req.lang);
    res.render('signatures/withdraw', {
      title: req.t('withdraw.title'),
      letter: { slug: letter.slug, title: version.title },
      token: String(req.params.token),
      done: false,
    });
  });

  r.post('/s/withdraw/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const result = await withdrawSignature(ctx, String(req.params.token));
    if (!result.done || !result.letterId) {
      return res.status(404).render('signatures/link-problem', { title: req.t('linkProblem.unknown.title'), problem: 'unknown' });
    }
    const { letter, version } = await letterView(result.letterId, req.lang);
    res.render('signatures/withdraw', {
      title: req.t('withdraw.doneTitle'),
      letter: { slug: letter.slug, title: version.title },
      token: null,
      done: true,
    });
  });

  return r;
}
