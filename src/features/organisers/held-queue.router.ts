import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import type { Letter } from '../../core/letters/letter.entity';
import { findTranslation } from '../../core/letters/letters.service';
import { INVALIDATION_CATEGORIES } from '../signatures';
import { parseForm } from '../../platform/web/validate';
import {
  currentOrganiser,
  requireLetterRole,
  requireOrganiser,
  type OrganiserLocals,
} from '../../core/access/auth.middleware';
import { auditActor } from '../../core/access/organisers.service';
import { autoReleaseSchema, groupDecisionSchema, groupingOf } from './held-queue.schema';
import {
  autoReleaseMinutes,
  AUTO_RELEASE_MAX_MINUTES,
  decideHeldGroup,
  heldGroups,
  heldOverview,
  HELD_DECISIONS,
  HELD_GROUPINGS,
  type HeldGrouping,
  setAutoRelease,
} from './held-queue.service';

const DONE = ['release', 'invalidate', 'leave', 'rule'];

interface PageState {
  status?: number;
  by?: HeldGrouping;
  /** The group whose form was refused, and its field errors. */
  failed?: { key: string; errors: Record<string, string>; values: Record<string, unknown> };
  ruleErrors?: Record<string, string>;
}

/**
 * The held queue of a letter, for its team (as the rest of moderation): the held signatures in
 * groups, a decision per group, and the owners' release rule. The rules are in held-queue.service.
 */
export function heldQueueRouter(ctx: AppContext): Router {
  const r = Router();
  const base = '/organise/letters/:slug/held';
  const team = [requireOrganiser, requireLetterRole(ctx)];
  const owner = [requireOrganiser, requireLetterRole(ctx, 'owner')];
  const letterOf = (res: Response): Letter => (res.locals as OrganiserLocals).letter!;
  const actorOf = (res: Response) => auditActor(currentOrganiser(res)!);

  async function render(req: Request, res: Response, state: PageState = {}) {
    const letter = letterOf(res);
    const by = state.by ?? groupingOf(req.query.by);
    const [overview, groups, minutes] = await Promise.all([
      heldOverview(ctx.db, letter.id),
      heldGroups(ctx.db, letter.id, by),
      autoReleaseMinutes(ctx.db, letter.id),
    ]);
    const done = typeof req.query.done === 'string' && DONE.includes(req.query.done) ? req.query.done : null;
    const version = findTranslation(letter.translations, letter.defaultLanguage, [req.lang]);
    res.status(state.status ?? 200).render('abuse/held-queue', {
      title: req.t('abuse.heldQueue.title'),
      letterTitle: version?.title ?? letter.slug,
      by,
      groupings: HELD_GROUPINGS,
      decisions: HELD_DECISIONS,
      categories: INVALIDATION_CATEGORIES,
      overview,
      groups,
      autoRelease: {
        minutes,
        max: AUTO_RELEASE_MAX_MINUTES,
        errors: state.ruleErrors ?? {},
        values: state.ruleErrors ? (req.body as Record<string, unknown>) : {},
      },
      failed: state.failed ?? null,
      done,
      doneCount: Number(typeof req.query.n === 'string' ? req.query.n : 0) || 0,
    });
  }

  r.get(base, ...team, async (req, res) => {
    await render(req, res);
  });

  r.post(`${base}/decide`, ...team, async (req, res) => {
    const letter = letterOf(res);
    const parsed = parseForm(groupDecisionSchema, req.body);
    if (!parsed.ok) {
      const body = (req.body ?? {}) as Record<string, unknown>;
      return render(req, res, {
        status: 422,
        by: groupingOf(body.by),
        failed: { key: typeof body.key === 'string' ? body.key : '', errors: parsed.errors, values: body },
      });
    }
    const outcome = await decideHeldGroup(ctx, letter.id, actorOf(res), parsed.data);
    const params = new URLSearchParams({ by: parsed.data.by, done: parsed.data.decision, n: String(outcome.total) });
    res.redirect(303, `/organise/letters/${letter.slug}/held?${params.toString()}`);
  });

  r.post(`${base}/auto-release`, ...owner, async (req, res) => {
    const letter = letterOf(res);
    const parsed = parseForm(autoReleaseSchema, req.body);
    if (!parsed.ok) return render(req, res, { status: 422, ruleErrors: parsed.errors });
    await setAutoRelease(ctx, letter.id, actorOf(res), parsed.data.minutes);
    res.redirect(303, `/organise/letters/${letter.slug}/held?done=rule#auto-release`);
  });

  return r;
}
