import { recipientDownloadRule } from './limits';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import { handlersOf } from '../../platform/web/handlers';
import type { Letter } from '../../core/letters/letter.entity';
import { findTranslation } from '../../core/letters/letters.service';
import { PdfTooLarge, sendExport } from '../exports';
import {
  auditActor,
  currentOrganiser,
  requireLetterRole,
  requireOrganiser,
  type OrganiserLocals,
} from '../../core/access';
import {
  countUpdateRecipients,
  decideHeldResponse,
  findLinkResponse,
  listLinkResponses,
  responseAttachment,
  responseBodyHtml,
  type LetterResponse,
} from '../updates';
import { AppError, NotFound, RateLimited } from '../../platform/web/errors';
import { barChartSvg, dailyChartSvg } from '../../platform/web/svg-charts';
import { sendLargeObject } from '../../platform/web/send-file';
import { parseForm } from '../../platform/web/validate';
import type { RecipientLink } from './recipient-link.entity';
import {
  createRecipientLink,
  findLiveLink,
  listRecipientLinks,
  recentLinkActivity,
  recordLinkEvent,
  recordLinkView,
  revokeRecipientLink,
} from './recipient-links.service';
import { deliveredDay, deliveredView, PAGE_LIST_LIMIT } from './recipient-page.service';
import {
  consumeResponseAttempt,
  postRecipientResponse,
  RESPONSE_POSTS_PER_LINK_PER_HOUR,
} from './recipient-response.service';
import {
  defaultExpiry,
  recipientLinkSchema,
  recipientResponseSchema,
  responseDecisionSchema,
} from './recipients.schema';
import { attachmentName, ATTACHMENT_LIMIT_BYTES, stagedAttachment } from './response-upload';

export const RECIPIENTS_CSS = '<link rel="stylesheet" href="/static/recipients.css">';
/** The recipient's page is for one person: never indexed, never cached, never named in a Referer. */
const PRIVATE_HEAD = `<meta name="robots" content="noindex, nofollow">${RECIPIENTS_CSS}`;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Every answer under /r/ (the page, the files, a refused upload, a 404) is for one person: never
 * indexed, never kept by a cache, never named in a Referer. Mounted by app.ts ahead of the upload guard.
 */
export const privateRecipientHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'Cache-Control': 'private, no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Robots-Tag': 'noindex, nofollow',
  });
  next();
};

type Form = { values: Record<string, unknown>; errors: Record<string, string> };

function letterOf(res: Response): Letter {
  return (res.locals as OrganiserLocals).letter!;
}

/** A response posted through a link, as its owners review it (the text as plain paragraphs, as it would be published). */
export interface LinkResponseView {
  id: string;
  status: LetterResponse['status'];
  title: string | null;
  bodyHtml: string;
  linkName: string;
  receivedAt: Date;
  attachment: { name: string; bytes: number } | null;
}

/** What the owners see of their links on the delivery area of the letter's dashboard (passed down to organisers in app.ts). */
export interface DeliveryPanel {
  view: string;
  locals: Record<string, unknown>;
}

/**
 * Recipient links: owners make, list and revoke them, and decide on the responses posted through
 * them; an addressee opens `/r/<token>` to read the letter as delivered with its list (private
 * names included), download the delivery files, and post the official response, held for the
 * owners until one of them publishes it.
 */
export function recipientsRouter(ctx: AppContext): {
  router: Router;
  deliveryPanel: (letter: Letter, role: string | undefined) => Promise<DeliveryPanel | null>;
} {
  const on = handlersOf(ctx);
  const r = Router();
  const owner = [requireOrganiser, requireLetterRole(ctx, 'owner')];

  // Owners: the links they hand out, and the responses posted through them.
  r.get('/organise/letters/:slug/recipients', ...owner, on(showLinks));
  r.post('/organise/letters/:slug/recipients', ...owner, on(createLink));
  r.post('/organise/letters/:slug/recipients/:id/revoke', ...owner, on(revokeLink));
  r.post('/organise/letters/:slug/recipients/responses/:id', ...owner, on(decideResponse));
  r.get('/organise/letters/:slug/recipients/responses/:id/attachment.pdf', ...owner, on(showResponseAttachment));

  // The addressee, through their link: the letter as delivered, its list, the response form.
  r.get('/r/:token', on(showRecipientPage));
  r.get('/r/:token/delivery-pack.pdf', download(ctx, 'pdf'));
  r.get('/r/:token/signatures.csv', download(ctx, 'csv'));
  r.post('/r/:token/response', on(postResponse));

  return { router: r, deliveryPanel: (letter, role) => deliveryPanel(ctx, letter, role) };
}

/** The letter's links, the responses posted through them, and how many signers publishing one would mail. */
async function ownersView(ctx: AppContext, letter: Letter) {
  const [links, responses, updateRecipients] = await Promise.all([
    listRecipientLinks(ctx.db, letter.id),
    listLinkResponses(ctx.db, letter.id),
    countUpdateRecipients(ctx.db, letter.id),
  ]);
  const names = new Map(links.map((l) => [l.id, l.name]));
  const linkResponses: LinkResponseView[] = responses.map((r) => ({
    id: r.id,
    status: r.status,
    title: r.title,
    bodyHtml: responseBodyHtml(r),
    linkName: (r.recipientLinkId && names.get(r.recipientLinkId)) || '',
    receivedAt: r.createdAt,
    attachment:
      r.attachmentName && r.attachmentBytes !== null ? { name: r.attachmentName, bytes: r.attachmentBytes } : null,
  }));
  return { links, linkResponses, updateRecipients };
}

async function deliveryPanel(ctx: AppContext, letter: Letter, role: string | undefined): Promise<DeliveryPanel | null> {
  if (role !== 'owner' || !letter.deliveredAt) return null;
  const { links, linkResponses, updateRecipients } = await ownersView(ctx, letter);
  // The dashboard shows what waits for a decision; the links page has every response.
  return {
    view: '../recipients/panel',
    locals: {
      links,
      linkResponses: linkResponses.filter((r) => r.status === 'pending'),
      updateRecipients,
      slug: letter.slug,
      now: new Date(),
    },
  };
}

/* ------------------------------------------------------------ owners */

async function renderLinks(
  ctx: AppContext,
  req: Request,
  res: Response,
  form: Form,
  status = 200,
  created: { token: string; link: RecipientLink } | null = null,
) {
  const letter = letterOf(res);
  const version = findTranslation(letter.translations, letter.defaultLanguage, [req.lang]);
  if (created) res.set('Cache-Control', 'no-store');
  const { links, linkResponses, updateRecipients } = await ownersView(ctx, letter);
  res.status(status).render('recipients/links', {
    title: req.t('recipients.organise.title'),
    headExtra: RECIPIENTS_CSS,
    letter: { slug: letter.slug, title: version?.title ?? letter.slug, delivered: !!letter.deliveredAt },
    links,
    linkResponses,
    updateRecipients,
    decided:
      typeof req.query.decided === 'string' && ['publish', 'reject', 'title'].includes(req.query.decided)
        ? req.query.decided
        : null,
    activity: await recentLinkActivity(ctx.db, letter.id),
    now: new Date(),
    form,
    created: created
      ? { url: `${ctx.config.BASE_URL}/r/${created.token}`, name: created.link.name, emailed: created.link.sendEmail }
      : null,
    revoked: req.query.revoked === '1',
  });
}

async function showLinks(ctx: AppContext, req: Request, res: Response): Promise<void> {
  await renderLinks(ctx, req, res, { values: { expiresOn: defaultExpiry() }, errors: {} });
}

async function createLink(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const letter = letterOf(res);
  const values = (req.body ?? {}) as Record<string, unknown>;
  if (!letter.deliveredAt)
    return renderLinks(ctx, req, res, { values, errors: { _form: 'recipients.errors.notDelivered' } }, 422);
  const parsed = parseForm(recipientLinkSchema, values);
  if (!parsed.ok) return renderLinks(ctx, req, res, { values, errors: parsed.errors }, 422);
  const created = await createRecipientLink(ctx, letter, parsed.data, auditActor(currentOrganiser(res)!));
  // Shown here once, never again: only its hash is stored.
  await renderLinks(ctx, req, res, { values: { expiresOn: defaultExpiry() }, errors: {} }, 201, created);
}

async function revokeLink(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const letter = letterOf(res);
  if (!(await revokeRecipientLink(ctx, letter.id, String(req.params.id), auditActor(currentOrganiser(res)!))))
    throw new NotFound();
  const back =
    (req.body as Record<string, unknown> | undefined)?.back === 'dashboard'
      ? `/organise/letters/${letter.slug}#recipient-links`
      : `/organise/letters/${letter.slug}/recipients?revoked=1`;
  res.redirect(303, back);
}

// An owner publishes a response held for them (mailing the signers who asked for updates),
// changes its title, or rejects it. Only this letter's responses posted through its links.
async function decideResponse(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const letter = letterOf(res);
  const body = (req.body ?? {}) as Record<string, unknown>;
  const parsed = parseForm(responseDecisionSchema, body);
  if (!parsed.ok) throw new AppError(400, 'bad_request', 'recipients.errors.decisionInvalid');
  const { decision, title } = parsed.data;
  await decideHeldResponse(ctx, letter.id, String(req.params.id), decision, title, auditActor(currentOrganiser(res)!));
  res.redirect(
    303,
    body.back === 'dashboard'
      ? `/organise/letters/${letter.slug}#recipient-links`
      : `/organise/letters/${letter.slug}/recipients?decided=${decision}#link-responses`,
  );
}

// The PDF of a response posted through a link, for the owners to read before they decide.
async function showResponseAttachment(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const letter = letterOf(res);
  const file = await responseAttachment(ctx.db, letter.id, String(req.params.id), { held: true });
  if (!file) throw new NotFound();
  // Streamed from its large object, like the public download, but for the owners only.
  await sendLargeObject(
    ctx.db,
    req,
    res,
    { ...file, contentType: 'application/pdf' },
    { cacheControl: 'private, no-store' },
  );
}

/* ------------------------------------------------------------ the addressee */

/** The live link of the request, or 404 (unknown, malformed, revoked, expired: all alike). */
async function liveLink(ctx: AppContext, req: Request): Promise<RecipientLink> {
  const link = await findLiveLink(ctx.db, String(req.params.token));
  if (!link) throw new NotFound();
  return link;
}

async function renderPage(ctx: AppContext, req: Request, res: Response, link: RecipientLink, form: Form, status = 200) {
  const [view, held] = await Promise.all([
    deliveredView(ctx.db, link.letterId, req.lang),
    findLinkResponse(ctx.db, link.id),
  ]);
  // While it is held, the form holds the response as posted, to correct it.
  const values =
    held?.status === 'pending' && !Object.keys(form.values).length
      ? { title: held.title ?? '', body: held.body, kind: held.answerKind }
      : form.values;
  const fmt = res.locals.fmtNumber as (n: number) => string;
  const countryName = res.locals.countryName as (code: string) => string;
  const dayFormat = new Intl.DateTimeFormat(req.lang, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
  const token = String(req.params.token);
  res.status(status).render('recipients/page', {
    title: view.text.title,
    headExtra: PRIVATE_HEAD,
    link: { name: link.name, role: link.role, expiresAt: link.expiresAt },
    view,
    listLimit: PAGE_LIST_LIMIT,
    countriesSvg: barChartSvg({
      title: req.t('recipients.page.countriesTitle'),
      rows: view.countries.map((c) => ({ label: countryName(c.country), value: c.count })),
      formatNumber: fmt,
      maxRows: 10,
      otherLabel: req.t('recipients.page.otherCountries'),
      emptyText: req.t('recipients.page.noSignatures'),
      idPrefix: 'countries',
    }),
    dailySvg: dailyChartSvg({
      title: req.t('recipients.page.dailyTitle'),
      days: view.daily,
      formatNumber: fmt,
      formatDay: (d) => (DAY.test(d) ? dayFormat.format(new Date(`${d}T00:00:00Z`)) : d),
      emptyText: req.t('recipients.page.noSignatures'),
      idPrefix: 'daily',
    }),
    base: `/r/${token}`,
    form: { values, errors: form.errors },
    response: held
      ? {
          status: held.status,
          title: held.title,
          bodyHtml: responseBodyHtml(held),
          receivedAt: held.createdAt,
          attachment: held.attachmentName ? { name: held.attachmentName } : null,
          slug: view.letter.slug,
        }
      : null,
    posted: req.query.posted === '1',
    attachmentMb: ATTACHMENT_LIMIT_BYTES / 1024 / 1024,
    postsPerHour: RESPONSE_POSTS_PER_LINK_PER_HOUR,
  });
}

async function showRecipientPage(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const link = await liveLink(ctx, req);
  await recordLinkView(ctx.db, link);
  await renderPage(ctx, req, res, link, { values: {}, errors: {} });
}

function download(ctx: AppContext, format: 'pdf' | 'csv'): RequestHandler {
  return async (req, res) => {
    const link = await liveLink(ctx, req);
    // Each download exports every verified row: a handful an hour per link, not a loop.
    const allowed = await ctx.limits.consume(recipientDownloadRule(ctx.config), link.id);
    if (!allowed.ok) throw new RateLimited(allowed.retryAfterSeconds, 'recipients.errors.tooManyDownloads');
    const view = await deliveredView(ctx.db, link.letterId, req.lang);
    await sendExport(
      ctx,
      {
        letter: view.letter,
        format,
        purpose: 'delivery',
        filters: { scope: 'verified', to: deliveredDay(view.letter) },
        organiserId: null,
        recipientLinkId: link.id,
        language: req.lang,
        alsoInTransaction: (tx, exportId) =>
          recordLinkEvent(tx, link, format === 'pdf' ? 'download-pdf' : 'download-csv', exportId),
      },
      req,
      res,
      {
        what: 'recipient download aborted',
        letterId: link.letterId,
        refused: (err) => {
          if (err instanceof PdfTooLarge) throw new AppError(422, 'pdf_too_large', 'recipients.errors.pdfTooLarge');
          throw err;
        },
      },
    );
  };
}

async function postResponse(ctx: AppContext, req: Request, res: Response): Promise<void> {
  // The link, its hourly allowance of posts and the network's byte budget were checked before the
  // body was read (responseUploadChecks). The PDF, if any, is already in a staged large object:
  // it goes to the response, or is deleted here.
  const staged = stagedAttachment(req);
  try {
    const link = await liveLink(ctx, req);
    // A form sent without a file part (urlencoded) never met the upload guard: its post counts here.
    if (!req.is('multipart/form-data')) {
      const retryAfter = await consumeResponseAttempt(ctx.db, link);
      if (retryAfter !== null) throw new RateLimited(retryAfter, 'recipients.errors.tooManyResponses');
    }
    const values = { ...((req.body ?? {}) as Record<string, unknown>) };
    const parsed = parseForm(recipientResponseSchema, values);
    const file = staged && staged.bytes > 0 ? staged : null;
    const errors: Record<string, string> = parsed.ok ? {} : { ...parsed.errors };
    if (file?.pdfProblem)
      errors.attachment =
        file.pdfProblem === 'header' ? 'recipients.errors.attachmentNotPdf' : 'recipients.errors.attachmentDamaged';
    if (!parsed.ok || Object.keys(errors).length) {
      await staged?.discard();
      return await renderPage(ctx, req, res, link, { values, errors }, 422);
    }
    const attachment = file
      ? { name: attachmentName(file.originalName), oid: file.oid, bytes: file.bytes, sha256: file.sha256 }
      : null;
    await postRecipientResponse(ctx, link, parsed.data, attachment);
    res.redirect(303, `/r/${String(req.params.token)}?posted=1#response`);
  } finally {
    // Once the response holds it this deletes nothing; otherwise it deletes the object.
    await staged?.discard();
  }
}
