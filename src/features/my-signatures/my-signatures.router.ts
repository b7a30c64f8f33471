import crypto from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { ownRowLinks } from '../signatories';
import type { AppContext } from '../../platform/context';
import { handlersOf } from '../../platform/web/handlers';
import { AppError, NotFound } from '../../platform/web/errors';
import { tokenPageHeaders } from '../../platform/web/token-page';
import { parseForm } from '../../platform/web/validate';
import { VISIBILITIES } from '../../platform/web/visibility';
import { requestLinkSchema, signatureIdSchema, updatesSchema, visibilitySchema } from './my-signatures.schema';
import {
  changeUpdates,
  changeVisibility,
  findSignature,
  listSignatures,
  MY_SIGNATURES_LINK_TTL_HOURS,
  openLink,
  readLink,
  requestMySignaturesLink,
  withdraw,
  type LinkState,
} from './my-signatures.service';

/**
 * The browser session a link belongs to once opened: a random value in a cookie that lives as
 * long as the browser session (no expiry date). Signers have no other session on this site.
 */
export function mySignaturesCookieName(isProduction: boolean): string {
  return isProduction ? '__Host-mysig' : 'mysig';
}

type Problem = 'unknown' | 'expired' | 'used';

/** "My signatures": the request for a link, and the pages the link opens. Tokens are in the path. */
export function mySignaturesRouter(ctx: AppContext): Router {
  const on = handlersOf(ctx);
  const r = Router();
  r.get('/my-signatures', on(showRequestForm));
  r.post('/my-signatures', on(requestLink));
  r.get('/my-signatures/:token', on(showSignatures));
  r.post('/my-signatures/:token', on(openSignatures));
  r.post('/my-signatures/:token/:signatureId/visibility', on(setVisibility));
  r.post('/my-signatures/:token/:signatureId/updates', on(setUpdates));
  r.get('/my-signatures/:token/:signatureId/withdraw', on(showWithdraw));
  r.post('/my-signatures/:token/:signatureId/withdraw', on(withdrawSignature));
  return r;
}

/** The signer's list page of the link in the path, in the reader's language. */
function listPath(req: Request): string {
  return `/my-signatures/${String(req.params.token)}?lang=${req.lang}`;
}

function sessionIdOf(ctx: AppContext, req: Request): string | null {
  const value = (req.cookies as Record<string, string> | undefined)?.[mySignaturesCookieName(ctx.config.isProduction)];
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : null;
}

function ensureSession(ctx: AppContext, req: Request, res: Response): string {
  const existing = sessionIdOf(ctx, req);
  if (existing) return existing;
  const id = crypto.randomBytes(32).toString('base64url');
  res.cookie(mySignaturesCookieName(ctx.config.isProduction), id, {
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.config.isProduction,
    path: '/',
  });
  return id;
}

function renderProblem(req: Request, res: Response, problem: Problem) {
  res.status(problem === 'unknown' ? 404 : 410).render('my-signatures/problem', {
    title: req.t(`mySignatures.problem.${problem}.title`),
    problem,
  });
}

function problemOf(state: LinkState): Problem | null {
  if (state.kind === 'unknown') return 'unknown';
  if (state.kind === 'expired') return 'expired';
  if (state.kind === 'used-elsewhere') return 'used';
  return null;
}

/** The address a request may act for: the link's, opened by this browser session. Otherwise its problem page. */
async function grantOf(ctx: AppContext, req: Request, res: Response): Promise<string | null> {
  tokenPageHeaders(res);
  const state = await readLink(ctx, String(req.params.token), sessionIdOf(ctx, req));
  if (state.kind === 'granted') return state.emailNormalised;
  renderProblem(req, res, problemOf(state) ?? 'used');
  return null;
}

function signatureIdOf(req: Request): string {
  const parsed = signatureIdSchema.safeParse(req.params.signatureId);
  if (!parsed.success) throw new NotFound();
  return parsed.data;
}

function renderRequest(
  req: Request,
  res: Response,
  view: { values: Record<string, unknown>; errors: Record<string, string>; sent: boolean },
  status = 200,
) {
  res.status(status).render('my-signatures/request', {
    title: req.t('mySignatures.request.title'),
    form: { values: view.values, errors: view.errors },
    sent: view.sent,
    expiresHours: MY_SIGNATURES_LINK_TTL_HOURS,
  });
}

function showRequestForm(_ctx: AppContext, req: Request, res: Response): void {
  renderRequest(req, res, { values: {}, errors: {}, sent: false });
}

// The same page whatever the address: whether it signed anything is decided by the worker.
async function requestLink(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const parsed = parseForm(requestLinkSchema, req.body);
  if (!parsed.ok)
    return renderRequest(
      req,
      res,
      { values: req.body as Record<string, unknown>, errors: parsed.errors, sent: false },
      422,
    );
  await requestMySignaturesLink(ctx, parsed.data.email, { ip: req.ip ?? '', language: req.lang });
  renderRequest(req, res, { values: {}, errors: {}, sent: true });
}

// Opening the link (GET, and HEAD through it) changes nothing: mail scanners open links before
// people do. Its first use is the button (POST), which ties it to this browser session.
async function showSignatures(ctx: AppContext, req: Request, res: Response): Promise<void> {
  tokenPageHeaders(res);
  const token = String(req.params.token);
  const state = await readLink(ctx, token, sessionIdOf(ctx, req));
  const problem = problemOf(state);
  if (problem) return renderProblem(req, res, problem);
  if (state.kind === 'unopened') {
    return res.render('my-signatures/open', { title: req.t('mySignatures.open.title'), token });
  }
  if (state.kind !== 'granted') return renderProblem(req, res, 'unknown');
  const signatures = await listSignatures(ctx, state.emailNormalised, req.lang);
  res.render('my-signatures/list', {
    title: req.t('mySignatures.list.title'),
    token,
    signatures,
    // Find my name: the list page that holds each signature shown publicly, its row marked.
    ownRows: await ownRowLinks(
      ctx.db,
      signatures.map((s) => s.id),
    ),
    visibilities: VISIBILITIES,
    saved: typeof req.query.saved === 'string' ? req.query.saved : null,
  });
}

async function openSignatures(ctx: AppContext, req: Request, res: Response): Promise<void> {
  tokenPageHeaders(res);
  const state = await openLink(ctx, String(req.params.token), ensureSession(ctx, req, res));
  const problem = problemOf(state);
  if (problem) return renderProblem(req, res, problem);
  res.redirect(303, listPath(req));
}

async function setVisibility(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const email = await grantOf(ctx, req, res);
  if (!email) return;
  const signatureId = signatureIdOf(req);
  const parsed = parseForm(visibilitySchema, req.body);
  if (!parsed.ok) throw new AppError(422, 'invalid_form', 'form.errors.visibility');
  await changeVisibility(ctx, email, signatureId, parsed.data.visibility);
  res.redirect(303, `${listPath(req)}&saved=visibility#s-${signatureId}`);
}

async function setUpdates(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const email = await grantOf(ctx, req, res);
  if (!email) return;
  const signatureId = signatureIdOf(req);
  const parsed = parseForm(updatesSchema, req.body);
  if (!parsed.ok) throw new AppError(422, 'invalid_form', 'form.errors.invalid');
  await changeUpdates(ctx, email, signatureId, parsed.data.wantsUpdates);
  res.redirect(303, `${listPath(req)}&saved=updates#s-${signatureId}`);
}

// Withdrawing asks once more, on a page of its own, before its button POSTs.
async function showWithdraw(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const email = await grantOf(ctx, req, res);
  if (!email) return;
  const sig = await findSignature(ctx, email, signatureIdOf(req), req.lang);
  res.render('my-signatures/withdraw', {
    title: req.t('mySignatures.withdraw.title'),
    token: String(req.params.token),
    signature: sig,
  });
}

async function withdrawSignature(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const email = await grantOf(ctx, req, res);
  if (!email) return;
  await withdraw(ctx, email, signatureIdOf(req));
  res.redirect(303, `${listPath(req)}&saved=withdrawn`);
}
