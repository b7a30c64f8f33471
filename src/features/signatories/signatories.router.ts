import crypto from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { DataSource } from 'typeorm';
import type { AppContext } from '../../platform/context';
import type { Language, Letter } from '../../core/letters/letter.entity';
import { chooseTranslation, findPublicLetter } from '../../core/letters/letters.service';
import { sendLargeObject } from '../../platform/web/send-file';
import { currentPublicListFile, requestPublicListFile } from './public-list-file.service';
import { letterSupportMap } from './support-map';
import { COMMENTS_PAGE_SIZE, isCommentsCursor, shownComments } from './comments.service';
import { featuredSignatories } from './notable.service';
import { slugParam, versionFor } from '../../core/letters/letter-request';
import { AppError } from '../../platform/web/errors';
import { countryOptions } from '../../platform/web/i18n';
import { escapeXml } from '../../platform/web/svg-charts';
import { MicroCache } from '../../platform/web/micro-cache';
import { prepareBody, sendPrepared, type PreparedBody } from '../../platform/web/cached-response';
import { signatoriesQuerySchema, type SignatoriesQuery } from './signatories-query.schema';
import {
  decodeCursor,
  encodeCursor,
  NO_SIGNATORIES_FILTERS,
  publicSignatoryCount,
  type SignatoriesCursor,
  type SignatoriesFilters,
  signatoriesPage,
  SearchTooBroad,
} from './signatories.service';

/** The list's total is counted at most this often per letter (the letter page shows it too). */
export const SIGNATORY_TOTAL_CACHE_SECONDS = 10;

export interface TextVersionOption {
  value: string;
  language: Language;
  version: number;
}

/** Every text a letter's signatures can be under: each translation's current and earlier versions. */
async function textVersionOptions(db: DataSource, letter: Letter): Promise<TextVersionOption[]> {
  const earlier: Array<{ language: Language; version: number }> = await db.query(
    `SELECT language, version FROM letter_text_versions WHERE letter_id = $1`,
    [letter.id],
  );
  const all = [...earlier, ...letter.translations.map((t) => ({ language: t.language, version: t.textVersion }))];
  return all
    .map((v) => ({ ...v, value: `${v.language}-${v.version}` }))
    .sort((a, b) => a.language.localeCompare(b.language) || a.version - b.version);
}

function filtersOf(query: SignatoriesQuery): SignatoriesFilters {
  return {
    ...NO_SIGNATORIES_FILTERS,
    signedAs: query.kind ?? null,
    country: query.country ?? null,
    source: query.source ?? null,
    text: query.text ? { language: query.text.slice(0, 2) as Language, version: Number(query.text.slice(3)) } : null,
    q: query.q ?? null,
    comments: query.comments === '1',
  };
}

/** The list's URL with these parameters (the empty ones left out), for links and forms. */
export function signatoriesUrl(slug: string, params: Record<string, string | undefined | null>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) qs.set(k, v);
  const s = qs.toString();
  return `/letters/${slug}/signatories${s ? `?${s}` : ''}`;
}

/** Each app's rendered list pages (below), so that a change the public must see now can drop them. */
const listPages = new WeakMap<AppContext, MicroCache<ListPage>>();
/** Each app's maps as bytes (below), dropped with the pages. */
const listMaps = new WeakMap<AppContext, MicroCache<PreparedBody>>();
/** Each app's letters as its list pages read them (below), dropped with the pages. */
const listLetters = new WeakMap<AppContext, MicroCache<ListLetter>>();

/**
 * Forgets the list pages (and maps) this app rendered for a letter (they live a second or so): an
 * organiser who approves comments sees them at once. Other processes' copies expire by themselves.
 */
export function forgetSignatoriesPages(ctx: AppContext, slug: string): void {
  listPages.get(ctx)?.forget(`${slug}|`);
  listLetters.get(ctx)?.forget(`${slug}|`);
  listMaps.get(ctx)?.forget(`${slug}|`);
}

/** The country filter's options in each language, written once (some 250 of them, on every page). */
const countryOptionsHtml = new Map<Language, string>();

/** The country filter's options, the chosen one selected. */
export function countryOptionsFor(lang: Language, selected: string | undefined): string {
  let html = countryOptionsHtml.get(lang);
  if (html === undefined) {
    html = countryOptions(lang)
      .map((c) => `<option value="${escapeXml(c.code)}">${escapeXml(c.name)}</option>`)
      .join('');
    countryOptionsHtml.set(lang, html);
  }
  if (!selected) return html;
  const option = `<option value="${escapeXml(selected)}">`;
  return html.replace(option, `${option.slice(0, -1)} selected>`);
}

/** A page of the list as cached: prepared bytes, or HTML with a slot for each reader's CSRF token. */
interface ListPage {
  status: number;
  html: string;
  body: PreparedBody | null;
}

/** What every page of a letter's list shows of the letter, whatever its query. */
interface ListLetter {
  letter: Letter;
  texts: TextVersionOption[];
}

/** `/letters/<slug>/signatories`: every public signatory of a letter, 50 a page, without script. */
export function signatoriesRouter(ctx: AppContext): Router {
  const r = Router();
  const totals = new MicroCache<number>(SIGNATORY_TOTAL_CACHE_SECONDS * 1000);
  const totalOf = (letterId: string) => totals.get(letterId, () => publicSignatoryCount(ctx.db, letterId));

  // Each page as anonymous readers get it, rendered once per letter, interface language and query
  // for LETTER_PAGE_CACHE_SECONDS (as the letter page is): a page shared on a viral day is read
  // thousands of times a second, and its rows change slowly. A page without a form is kept as
  // bytes with their ETag (and gzipped once, when first asked), and costs no CSRF token, nor the
  // cookie one sets; one with a form keeps a slot for each reader's token.
  const pages = new MicroCache<ListPage>(ctx.config.LETTER_PAGE_CACHE_SECONDS * 1000);
  const CSRF_SLOT = `csrf-slot-${crypto.randomBytes(16).toString('hex')}`;
  listPages.set(ctx, pages);
  const maps = new MicroCache<PreparedBody>(ctx.config.LETTER_PAGE_CACHE_SECONDS * 1000);
  listMaps.set(ctx, maps);
  // The letter and its texts, read once per letter for as long: every distinct query (each search
  // is one) would otherwise read them again, two more round trips for the one that finds the rows.
  const letters = new MicroCache<ListLetter>(ctx.config.LETTER_PAGE_CACHE_SECONDS * 1000);
  listLetters.set(ctx, letters);
  const listLetter = (slug: string) =>
    letters.get(`${slug}|`, async () => {
      const letter = await findPublicLetter(ctx.db, slug);
      return { letter, texts: await textVersionOptions(ctx.db, letter) };
    });

  r.get('/letters/:slug/signatories', async (req: Request, res: Response) => {
    const slug = slugParam(req);
    const at = req.originalUrl.indexOf('?');
    const key = `${slug}|${req.lang}|${at < 0 ? '' : req.originalUrl.slice(at + 1)}`;
    const page = await pages.get(key, () => renderList(req, res, slug));
    res.status(page.status);
    if (page.body) return sendPrepared(req, res, page.body);
    res.type('html').send(page.html.replaceAll(CSRF_SLOT, (res.locals.csrfToken as () => string)()));
  });

  async function renderList(req: Request, res: Response, slug: string): Promise<ListPage> {
    const { status, locals } = await listLocals(req, slug);
    const html = await new Promise<string>((resolve, reject) =>
      res.render('signatories/list', { ...locals, csrfToken: () => CSRF_SLOT }, (err, out) =>
        err ? reject(err) : resolve(out),
      ),
    );
    return html.includes(CSRF_SLOT)
      ? { status, html, body: null }
      : { status, html: '', body: prepareBody(html, 'text/html; charset=utf-8') };
  }

  async function listLocals(req: Request, slug: string): Promise<{ status: number; locals: object }> {
    const { letter, texts } = await listLetter(slug);
    const parsed = signatoriesQuerySchema.safeParse(req.query);
    const searchError = parsed.error?.issues.find((i) => i.path[0] === 'q');
    if (!parsed.success && !searchError) throw new AppError(400, 'bad_request', 'signatories.errors.badQuery');
    const query: SignatoriesQuery = parsed.success
      ? parsed.data
      : { ...signatoriesQuerySchema.parse({ ...req.query, q: undefined }), q: undefined };
    const cursor = query.page ? decodeCursor(query.page, query.order) : null;
    if (query.page && !cursor) throw new AppError(400, 'bad_request', 'signatories.errors.badQuery');

    const filters = filtersOf(query);
    const filtered = Boolean(query.kind || query.country || query.source || query.text || query.q || query.comments);
    // A search that too many names match is stopped at its time limit: the reader types more.
    let tooBroad = false;
    const none = { rows: [], next: null, previous: null };
    const [page, total, featured] = await Promise.all([
      searchError
        ? Promise.resolve(none)
        : signatoriesPage(ctx.db, {
            letterId: letter.id,
            order: query.order,
            lang: req.lang,
            filters,
            cursor,
            searchTimeLimitMs: ctx.config.SEARCH_TIME_LIMIT_MS,
          }).catch((err: unknown) => {
            if (!(err instanceof SearchTooBroad)) throw err;
            tooBroad = true;
            return none;
          }),
      totalOf(letter.id),
      // The notable signatories head the list's first page, as the owners ordered them.
      cursor || filtered ? Promise.resolve([]) : featuredSignatories(ctx.db, letter.id),
    ]);
    const kept = {
      order: query.order === 'newest' ? undefined : query.order,
      kind: query.kind,
      country: query.country,
      source: query.source,
      text: query.text,
      q: searchError ? undefined : query.q,
      comments: query.comments,
    };
    const link = (c: SignatoriesCursor | null) => (c ? signatoriesUrl(slug, { ...kept, page: encodeCursor(c) }) : null);
    const version = versionFor(req, letter);
    return {
      status: searchError ? 400 : tooBroad ? 422 : 200,
      locals: {
        title: req.t('signatories.title', { title: version.shortTitle ?? version.title }),
        letter: { slug, title: version.title, language: version.language },
        noindex: letter.signatoriesNoindex,
        rows: page.rows,
        // Find my name: a page that starts at a row marks that row (see my-signatures).
        highlightFirst: cursor?.side === 'at' && page.rows[0]?.id === cursor.id,
        total,
        filtered,
        featured,
        query: {
          ...kept,
          order: query.order,
          q: searchError ? (typeof req.query.q === 'string' ? req.query.q.slice(0, 100) : '') : query.q,
        },
        searchError: searchError
          ? req.t(searchError.message)
          : tooBroad
            ? req.t('signatories.errors.searchTooBroad')
            : null,
        countryOptionsHtml: countryOptionsFor(req.lang, query.country),
        texts: texts.length > 1 ? texts : [],
        firstUrl: cursor ? signatoriesUrl(slug, kept) : null,
        nextUrl: link(page.next),
        previousUrl: link(page.previous),
        csvUrl: `/letters/${slug}/signatories.csv`,
        jsonUrl: `/letters/${slug}.json`,
      },
    };
  }

  /**
   * Signers' own words: every approved comment, newest approved first, a keyset page at a time
   * (the letter page's wall shows the newest few and links here). Works without script.
   */
  r.get('/letters/:slug/comments', async (req: Request, res: Response) => {
    const slug = slugParam(req);
    const letter = await findPublicLetter(ctx.db, slug);
    const raw = req.query.page;
    if (raw !== undefined && (typeof raw !== 'string' || !isCommentsCursor(raw)))
      throw new AppError(400, 'bad_request', 'signatories.errors.badQuery');
    const page = await shownComments(ctx.db, letter.id, { limit: COMMENTS_PAGE_SIZE, cursor: raw ?? null });
    const version = versionFor(req, letter);
    res.render('signatories/comments', {
      title: req.t('signatories.comments.title', { title: version.shortTitle ?? version.title }),
      letter: { slug, title: version.title, language: version.language },
      noindex: letter.signatoriesNoindex,
      comments: page.comments,
      firstUrl: raw ? `/letters/${slug}/comments` : null,
      nextUrl: page.next ? `/letters/${slug}/comments?page=${encodeURIComponent(page.next)}` : null,
    });
  });

  /**
   * The world map alone, for the letter page's image (the page stays light; the report inlines it):
   * drawn once per letter's figures and language and kept (support-map.ts), and kept here as bytes
   * per letter and language for as long as a list page (its figures read once a second, gzipped
   * once, when first asked).
   */
  r.get('/letters/:slug/map.svg', async (req: Request, res: Response) => {
    const slug = slugParam(req);
    const body = await maps.get(`${slug}|${req.lang}`, async () => {
      const letter = await findPublicLetter(ctx.db, slug);
      const { svg } = await letterSupportMap(ctx.db, letter.id, req.lang, req.t);
      return prepareBody(svg, 'image/svg+xml; charset=utf-8');
    });
    res.set({ 'Cache-Control': 'public, max-age=60', 'Content-Language': req.lang });
    sendPrepared(req, res, body);
  });

  /**
   * The public list as CSV: the newest file the job made, or, when there is none yet, a page that
   * says it is being made (202 with Retry-After). Either way the reader's request costs one read.
   */
  r.get('/letters/:slug/signatories.csv', async (req: Request, res: Response) => {
    const slug = slugParam(req);
    const letter = await findPublicLetter(ctx.db, slug);
    const language = chooseTranslation(letter.translations, letter.defaultLanguage, [req.lang]).language;
    const file = await currentPublicListFile(ctx.db, letter.id, language);
    if (!file?.fresh) await requestPublicListFile(ctx.db, { letterId: letter.id, language });
    if (file) return sendLargeObject(ctx.db, req, res, file, { cacheControl: 'public, max-age=60' });
    res
      .status(202)
      .set({ 'Retry-After': String(PUBLIC_LIST_FILE_RETRY_SECONDS), 'Cache-Control': 'no-store' })
      .render('signatories/file-pending', {
        title: req.t('signatories.filePending.title'),
        slug,
        retrySeconds: PUBLIC_LIST_FILE_RETRY_SECONDS,
      });
  });

  return r;
}

/** What a reader is told to wait when the file is being made. */
export const PUBLIC_LIST_FILE_RETRY_SECONDS = 30;
