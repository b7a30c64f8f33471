import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import { Letter } from '../../core/letters/letter.entity';
import { chooseTranslation, findPublicLetter } from '../../core/letters/letters.service';
import { NotFound } from '../../platform/web/errors';
import { sendLargeObject } from '../../platform/web/send-file';
import { responseAttachment } from './updates.service';
import { checkUnsubscribeToken, unsubscribe, type UnsubscribeTarget } from './unsubscribe.service';

/** A public response's document: the same bytes for ever under its URL, kept by caches a day at most. */
const PUBLIC_DOCUMENT_CACHE = 'public, max-age=86400, immutable';

/** The path of the one-click unsubscribe POST, exempt from CSRF in app.ts (the token authorises it). */

export const ONE_CLICK_UNSUBSCRIBE_PATH = /^\/u\/[A-Za-z0-9_-]{20,100}$/;

/**
 * The public side of updates: unsubscribe links from update and digest emails (the token is in
 * the path; the request logger cuts it out). The letter page shows the official responses
 * itself (publicResponses).
 */
export function updatesPublicRouter(ctx: AppContext): Router {
  const r = Router();

  async function render(req: Request, res: Response, target: UnsubscribeTarget | null, token: string, done: boolean) {
    if (!target) {
      res
        .status(404)
        .render('signatures/link-problem', { title: req.t('linkProblem.unknown.title'), problem: 'unknown' });
      return;
    }
    let letterTitle: string | null = null;
    if (target.kind === 'updates') {
      const letter = await ctx.db
        .getRepository(Letter)
        .findOneOrFail({ where: { id: target.letterId }, relations: { translations: true } });
      letterTitle = chooseTranslation(letter.translations, letter.defaultLanguage, [req.lang, target.language]).title;
    }
    res.render('updates/unsubscribe', {
      title: req.t(done ? 'updates.unsubscribe.doneTitle' : 'updates.unsubscribe.title'),
      kind: target.kind,
      letterTitle,
      token,
      done,
      subscribed: target.subscribed,
    });
  }

  // GET changes nothing: mail scanners and link previews open every link in a message.
  r.get('/u/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.set('Referrer-Policy', 'no-referrer');
    const token = String(req.params.token);
    await render(req, res, await checkUnsubscribeToken(ctx, token), token, false);
  });

  // The confirm button, and mail clients' RFC 8058 one-click POST (body List-Unsubscribe=One-Click).
  r.post('/u/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const token = String(req.params.token);
    await render(req, res, await unsubscribe(ctx, token), token, true);
  });

  // The PDF an addressee attached to their response: public, like the response itself. Sent as a
  // download (never shown inline on this origin) under the name it was uploaded with (made safe at
  // upload), streamed from its large object. Its bytes never change (its SHA-256 is its ETag), so
  // it is immutable; a day's max-age bounds how long a shared cache keeps one whose response is
  // taken down.
  r.get('/letters/:slug/responses/:id/attachment.pdf', async (req, res) => {
    const letter = await findPublicLetter(ctx.db, String(req.params.slug));
    const file = await responseAttachment(ctx.db, letter.id, String(req.params.id));
    if (!file) throw new NotFound();
    await sendLargeObject(
      ctx.db,
      req,
      res,
      { ...file, contentType: 'application/pdf' },
      { cacheControl: PUBLIC_DOCUMENT_CACHE },
    );
  });

  return r;
}
