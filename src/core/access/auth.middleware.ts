import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../../platform/context';
import type { Letter } from '../letters/letter.entity';
import { findLetterBySlug } from '../letters/letters.service';
import { Forbidden, NotFound } from '../../platform/web/errors';
import { LetterOrganiser, type LetterRole } from './letter-organiser.entity';
import { Organiser } from './organiser.entity';
import { isSlug } from '../letters/slug';

/** Why an editor is refused what only owners may do (organisers' catalogue). */
export const OWNER_ONLY = 'organisers.errors.ownerOnly';

/** What the middleware below puts on `res.locals` for handlers and views. */
export interface OrganiserLocals {
  /** The signed-in organiser (set by loadOrganiser / requireOrganiser). */
  organiser?: Organiser;
  /** The letter named by `:slug` (set by requireLetterRole). */
  letter?: Letter;
  /** The organiser's role on that letter (set by requireLetterRole). */
  letterRole?: LetterRole;
}

/** The signed-in organiser of this request, or undefined. */
export function currentOrganiser(res: Response): Organiser | undefined {
  return (res.locals as OrganiserLocals).organiser;
}

/**
 * Loads the signed-in organiser, if any, onto `res.locals.organiser` (views show it). Runs on
 * every request after the session middleware; costs nothing for anonymous readers, who have no
 * session. A session whose organiser was deleted is ended.
 */
export function loadOrganiser(ctx: AppContext): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const id = req.session?.organiserId;
    if (!id) return next();
    const organiser = await ctx.db.getRepository(Organiser).findOneBy({ id });
    if (organiser) (res.locals as OrganiserLocals).organiser = organiser;
    else delete req.session.organiserId;
    next();
  };
}

/**
 * Pages for organisers only. Anyone else is sent to /login (303, so a POST becomes a GET there).
 * Responses are marked private and uncacheable: they carry signers' personal data.
 *
 *   router.get('/organise', requireOrganiser, handler)
 */
export const requireOrganiser: RequestHandler = (req, res, next) => {
  res.set('Cache-Control', 'private, no-store');
  if (!currentOrganiser(res)) return res.redirect(303, '/login');
  next();
};

/** Why an organiser who is no admin is refused an admin's page (organisers' catalogue). */
export const ADMIN_ONLY = 'organisers.errors.adminOnly';

/**
 * Pages for the instance's admins only: anyone signed out goes to /login as with
 * requireOrganiser; an organiser who is no admin gets 403 saying so. Marked private and
 * uncacheable. The organiser is the one loaded for this request (loadOrganiser reads the row on
 * each request), so an admin made an organiser again loses access at once.
 *
 *   router.get('/admin', requireAdmin, handler)
 */
export const requireAdmin: RequestHandler = (req, res, next) => {
  res.set('Cache-Control', 'private, no-store');
  const organiser = currentOrganiser(res);
  if (!organiser) return res.redirect(303, '/login');
  if (!organiser.isAdmin) throw new Forbidden(ADMIN_ONLY);
  next();
};

/**
 * Loads the letter named by `:slug` and checks that the signed-in organiser holds one of `roles`
 * on it (any role when none is given). An organiser with no role on it gets 404 (NotFound), so a
 * stranger cannot even learn that the letter exists; one of its team whose role is not enough
 * (an editor on an owner's page) gets 403 saying that only an owner may. Puts
 * `res.locals.letter` (with its translations) and `res.locals.letterRole`. Use after
 * requireOrganiser:
 *
 *   router.post('/organise/letters/:slug/status', requireOrganiser, requireLetterRole(ctx, 'owner'), handler)
 */
export function requireLetterRole(ctx: AppContext, ...roles: LetterRole[]): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const organiser = currentOrganiser(res);
    const slug = String(req.params.slug ?? '');
    if (!organiser || !isSlug(slug)) throw new NotFound();
    const letter = await findLetterBySlug(ctx.db, slug);
    if (!letter) throw new NotFound();
    const link = await ctx.db
      .getRepository(LetterOrganiser)
      .findOneBy({ letterId: letter.id, organiserId: organiser.id });
    if (!link) throw new NotFound();
    if (roles.length > 0 && !roles.includes(link.role)) throw new Forbidden(OWNER_ONLY);
    const locals = res.locals as OrganiserLocals;
    locals.letter = letter;
    locals.letterRole = link.role;
    next();
  };
}
