import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import { handlersOf } from '../../platform/web/handlers';
import { VISIBILITIES } from '../../core/letters/letter.entity';
import { chooseTranslation, findRecentLetter } from '../../core/letters/letters.service';
import { shareBlock } from '../sharing';
import { tokenPageHeaders } from '../../platform/web/token-page';
import ejs from 'ejs';
import { formatNumber } from '../../platform/web/i18n';
import { MicroCache } from '../../platform/web/micro-cache';
import { parseForm } from '../../platform/web/validate';
import { confirmFormSchema } from './confirm-form.schema';
import { verifiedCount } from '../../core/letters/counts.service';
import { initialsOf } from './display-name';
import { checkWithdrawToken, withdrawSignature } from './withdraw-signature';
import { type ConfirmedRowFacts, confirmSignature, readConfirmation } from './confirm-signature';
import { disownSignature } from './disown-signature';
import { NOT_ME_SUPPRESSION_DAYS } from './signature-rows';
import { consumeFlood } from '../abuse';

/** Where the count line goes in the confirmed page's shared shell (letters and digits: HTML escaping keeps it as it is). */
const COUNT_MARK = 'undersignedcountline7c41';
/** Where the signer's own "find my name" link goes in the same shell. */
const OWN_ROW_MARK = 'undersignedownrow5e2d90';
const confirmedPages = new MicroCache<ConfirmedShell>(1_000);

interface ConfirmedShell {
  before: string;
  between: string;
  after: string;
}

/**
 * The list page that holds a signature's public row (features/signatories), or null; from `known`
 * (what the confirming statement returned) when given, without reading the row again.
 */
export type OwnRowLink = (signatureId: string, known?: ConfirmedRowFacts | null) => Promise<string | null>;

/** What the links' handlers are given: the app, and the list's "find my name" when there is one. */
interface SignatureLinks {
  ctx: AppContext;
  ownRowLink?: OwnRowLink;
}

/**
 * The press of Confirm counts its flood counter itself, in the confirming statement (one round
 * trip and one commit instead of two on a viral day; confirmSignature), and every other answer to
 * it (a form that does not parse) consumes it in the handler. The composition passes this
 * predicate to the flood middleware (src/app/app.ts), with signing's.
 */
const CONFIRM_PATH = /^\/s\/confirm\/[^/]+$/;
export function confirmCountsItsOwnFlood(req: Request): boolean {
  return req.method === 'POST' && CONFIRM_PATH.test(req.path);
}

/** Links from emails. Tokens are in the path; the request logger cuts them out. */
export function signaturesRouter(ctx: AppContext, ownRowLink?: OwnRowLink): Router {
  const on = handlersOf<SignatureLinks>({ ctx, ownRowLink });
  const r = Router();
  r.get('/s/confirm/:token', on(showConfirmPage));
  r.post('/s/confirm/:token', on(confirm));
  r.post('/s/confirm/:token/not-me', on(notMe));
  r.get('/s/withdraw/:token', on(showWithdrawPage));
  r.post('/s/withdraw/:token', on(withdrawByLink));
  return r;
}

async function letterView(ctx: AppContext, letterId: string, lang: Parameters<typeof chooseTranslation>[2][number]) {
  const letter = await findRecentLetter(ctx.db, letterId);
  const version = chooseTranslation(letter.translations, letter.defaultLanguage, [lang]);
  return { letter, version };
}

function renderProblem(req: Request, res: Response, problem: 'unknown' | 'expired' | 'bounced') {
  res.status(problem === 'unknown' ? 404 : 410).render('signatures/link-problem', {
    title: req.t(`linkProblem.${problem}.title`),
    problem,
  });
}

/**
 * The page after confirming, hundreds of times a second on a viral day: everything but the count
 * is the same for every signer of a letter in one language, so it is rendered once a second per
 * letter and language, and only the count line is made per answer (exact, as the reader counts
 * themselves in it: after the button, the confirming statement itself gives the count). Its language links go to the letter, so the shared page holds no token.
 */
async function renderConfirmed(
  { ctx, ownRowLink }: SignatureLinks,
  req: Request,
  res: Response,
  letterId: string,
  signatureId: string,
  knownCount?: number,
  knownRow?: ConfirmedRowFacts | null,
) {
  const [shell, count, ownRow] = await Promise.all([
    confirmedPages.get(`${letterId}:${req.lang}`, () => renderConfirmedShell(ctx, req, res, letterId)),
    knownCount ?? verifiedCount(ctx.db, letterId),
    ownRowLink?.(signatureId, knownRow) ?? null,
  ]);
  const line = ejs.escapeXML(req.t('letter.signatures', { count, formatted: formatNumber(count, req.lang) }));
  // Find my name: the list page that holds the signer's row, when the list shows it.
  const mine = ownRow
    ? `<p><a href="${ejs.escapeXML(ownRow)}">${ejs.escapeXML(req.t('signatories.findMyName'))}</a></p>`
    : '';
  res.type('html').send(shell.before + line + shell.between + mine + shell.after);
}

async function renderConfirmedShell(
  ctx: AppContext,
  req: Request,
  res: Response,
  letterId: string,
): Promise<ConfirmedShell> {
  const { letter, version } = await letterView(ctx, letterId, req.lang);
  const url = `${ctx.config.BASE_URL}/letters/${letter.slug}`;
  const html = await new Promise<string>((resolve, reject) =>
    res.render(
      'signatures/confirmed',
      {
        title: req.t('confirmed.title'),
        path: `/letters/${letter.slug}`,
        letter: { slug: letter.slug, title: version.title, url, goal: letter.goal },
        countLine: COUNT_MARK,
        ownRowSlot: OWN_ROW_MARK,
        shareText: req.t('share.message', { title: version.title }),
        share: shareBlock(
          ctx.config.BASE_URL,
          letter.slug,
          version.language,
          version.title,
          req.t('share.message', { title: version.title }),
        ),
      },
      (err, out) => (err ? reject(err) : resolve(out)),
    ),
  );
  const at = html.indexOf(COUNT_MARK);
  const mine = html.indexOf(OWN_ROW_MARK);
  return {
    before: html.slice(0, at),
    between: html.slice(at + COUNT_MARK.length, mine),
    after: html.slice(mine + OWN_ROW_MARK.length),
  };
}

/** The page an emailed confirmation link opens: what is being confirmed, and two buttons. */
async function renderConfirmPage(
  links: SignatureLinks,
  req: Request,
  res: Response,
  token: string,
  errors: Record<string, string> = {},
) {
  const { ctx } = links;
  const view = await readConfirmation(ctx, token);
  if (view.kind === 'unknown' || view.kind === 'expired' || view.kind === 'bounced')
    return renderProblem(req, res, view.kind);
  if (view.kind === 'already-confirmed') return renderConfirmed(links, req, res, view.letterId, view.signatureId);
  const { letter, version } = await letterView(ctx, view.letterId, req.lang);
  res.status(Object.keys(errors).length ? 422 : 200).render('signatures/confirm', {
    title: req.t('signatures.confirmPage.title'),
    letter: { slug: letter.slug, title: version.title },
    token,
    fullName: view.fullName,
    visibility: view.visibility,
    initials: initialsOf(view.fullName),
    organisation: view.organisation,
    occupation: view.occupation,
    comment: view.comment,
    commentAnonymous: view.commentAnonymous,
    visibilities: VISIBILITIES,
    suppressionDays: NOT_ME_SUPPRESSION_DAYS,
    errors,
  });
}

// Opening the link (GET, and HEAD through it) changes nothing: mail scanners and link previews
// open links before people do. Only the page's buttons (POST) confirm or delete.
async function showConfirmPage(links: SignatureLinks, req: Request, res: Response): Promise<void> {
  tokenPageHeaders(res);
  await renderConfirmPage(links, req, res, String(req.params.token));
}

async function confirm(links: SignatureLinks, req: Request, res: Response): Promise<void> {
  tokenPageHeaders(res);
  const token = String(req.params.token);
  const parsed = parseForm(confirmFormSchema, req.body);
  if (!parsed.ok) {
    await consumeFlood(links.ctx, req.ip ?? '');
    return renderConfirmPage(links, req, res, token, parsed.errors);
  }
  // The press's flood counter is consumed with the confirmation (confirmCountsItsOwnFlood).
  const outcome = await confirmSignature(links.ctx, token, parsed.data.visibility ?? null, { ip: req.ip ?? '' });
  if (outcome.kind === 'unknown' || outcome.kind === 'expired' || outcome.kind === 'bounced')
    return renderProblem(req, res, outcome.kind);
  await renderConfirmed(
    links,
    req,
    res,
    outcome.letterId,
    outcome.signatureId,
    outcome.count,
    outcome.kind === 'confirmed' ? outcome.facts : null,
  );
}

async function notMe({ ctx }: SignatureLinks, req: Request, res: Response): Promise<void> {
  tokenPageHeaders(res);
  const outcome = await disownSignature(ctx, String(req.params.token));
  if (outcome.kind !== 'deleted') return renderProblem(req, res, outcome.kind);
  const { letter, version } = await letterView(ctx, outcome.letterId, req.lang);
  res.render('signatures/not-me', {
    title: req.t('signatures.notMe.title'),
    letter: { slug: letter.slug, title: version.title },
    wasCounted: outcome.wasCounted,
    suppressionDays: NOT_ME_SUPPRESSION_DAYS,
  });
}

async function showWithdrawPage({ ctx }: SignatureLinks, req: Request, res: Response): Promise<void> {
  res.set('Cache-Control', 'no-store');
  res.set('Referrer-Policy', 'no-referrer');
  const check = await checkWithdrawToken(ctx, String(req.params.token));
  if (!check.valid) return renderProblem(req, res, 'unknown');
  const { letter, version } = await letterView(ctx, check.letterId, req.lang);
  res.render('signatures/withdraw', {
    title: req.t('withdraw.title'),
    letter: { slug: letter.slug, title: version.title },
    token: String(req.params.token),
    done: false,
  });
}

async function withdrawByLink({ ctx }: SignatureLinks, req: Request, res: Response): Promise<void> {
  res.set('Cache-Control', 'no-store');
  const result = await withdrawSignature(ctx, String(req.params.token));
  if (!result.done || !result.letterId) return renderProblem(req, res, 'unknown');
  const { letter, version } = await letterView(ctx, result.letterId, req.lang);
  res.render('signatures/withdraw', {
    title: req.t('withdraw.doneTitle'),
    letter: { slug: letter.slug, title: version.title },
    token: null,
    done: true,
  });
}
