import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import type { Letter } from '../../core/letters/letter.entity';
import { findTranslation } from '../../core/letters/letters.service';
import { parseForm } from '../../platform/web/validate';
import {
  currentOrganiser,
  requireLetterRole,
  requireOrganiser,
  type OrganiserLocals,
} from '../../core/access/auth.middleware';
import { auditActor } from '../../core/access/organisers.service';
import { forgetLetterPage } from '../letter-page';
import { commentDecisionSchema } from './comments-queue.schema';
import { COMMENT_BULK_LIMIT, commentQueue, decideComments } from './comments-queue.service';

/**
 * The comments queue of a letter, for its team (as the held queue): the waiting comments grouped
 * by their text, approved or rejected a group or a selection at a time. The rules are in
 * comments-queue.service.
 */
export function commentsQueueRouter(ctx: AppContext): Router {
  const r = Router();
  const base = '/organise/letters/:slug/comments';
  const team = [requireOrganiser, requireLetterRole(ctx)];
  const letterOf = (res: Response): Letter => (res.locals as OrganiserLocals).letter!;

  async function render(req: Request, res: Response, status = 200, errors: Record<string, string> = {}) {
    const letter = letterOf(res);
    const queue = await commentQueue(ctx.db, letter.id);
    const done = req.query.done === 'approve' || req.query.done === 'reject' ? req.query.done : null;
    const version = findTranslation(letter.translations, letter.defaultLanguage, [req.lang]);
    res.status(status).render('organise/comments-queue', {
      title: req.t('organisers.comments.title'),
      letterTitle: version?.title ?? letter.slug,
      asksComment: letter.askComment,
      queue,
      bulkLimit: COMMENT_BULK_LIMIT,
      errors,
      done,
      doneCount: Number(typeof req.query.n === 'string' ? req.query.n : 0) || 0,
    });
  }

  r.get(base, ...team, async (req, res) => {
    await render(req, res);
  });

  r.post(`${base}/decide`, ...team, async (req, res) => {
    const letter = letterOf(res);
    const parsed = parseForm(commentDecisionSchema, req.body);
    if (!parsed.ok) return render(req, res, 422, parsed.errors);
    const n = await decideComments(
      ctx,
      letter.id,
      auditActor(currentOrganiser(res)!),
      parsed.data.decision,
      parsed.data.selection,
    );
    // Approved comments are on the letter page at once (in this process; others within a second).
    if (n > 0) forgetLetterPage(ctx, letter.slug);
    const params = new URLSearchParams({ done: parsed.data.decision, n: String(n) });
    res.redirect(303, `/organise/letters/${letter.slug}/comments?${params.toString()}`);
  });

  return r;
}
