import { Router } from 'express';
import type { AppContext } from '../context';
import { currentOrganiser, requireOrganiser } from './auth.middleware';
import { listOrganiserLetters } from './workspace.service';

/** The organisers' workspace: their letters, editing, the dashboard, moderation and delivery. */
export function organiseRouter(ctx: AppContext): Router {
  const r = Router();

  r.get('/organise', requireOrganiser, async (req, res) => {
    const organiser = currentOrganiser(res)!;
    const letters = await listOrganiserLetters(ctx.db, organiser.id, req.lang);
    res.render('organise/letters', { title: req.t('organisers.list.title'), letters });
  });

  return r;
}
