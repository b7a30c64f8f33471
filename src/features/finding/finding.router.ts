import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import { handlersOf } from '../../platform/web/handlers';
import { AppError } from '../../platform/web/errors';
import { prepareBody, sendPrepared, type PreparedBody } from '../../platform/web/cached-response';
import { MicroCache } from '../../platform/web/micro-cache';
import { homeLanguageLinks } from '../sharing';
import { findLetters } from './finding.service';
import {
  FINDING_MAX_PAGES,
  findingQuerySchema,
  LETTER_SEARCH_MAX_CHARACTERS,
  type FindingQuery,
  type LetterFilter,
  type LetterSort,
} from './finding-query.schema';

/** Where a list starts when the reader chose nothing. */
const HOME_DEFAULTS = { sort: 'signed', filter: 'open' } as const satisfies { sort: LetterSort; filter: LetterFilter };
const ARCHIVE_DEFAULTS = { sort: 'newest', filter: 'all' } as const satisfies {
  sort: LetterSort;
  filter: LetterFilter;
};

/** The archive's filters: what came of a closed letter. */
const ARCHIVE_FILTERS: readonly LetterFilter[] = ['all', 'delivered', 'answered'];

type ListKind = 'home' | 'archive';

/** The list's URL with these choices (the defaults left out), for links and the pager. */
export function findingUrl(kind: ListKind, params: Partial<Record<'sort' | 'filter' | 'q' | 'page', string | number>>) {
  const defaults = kind === 'home' ? HOME_DEFAULTS : ARCHIVE_DEFAULTS;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '' || (k === 'page' && v === 1)) continue;
    if ((k === 'sort' || k === 'filter') && defaults[k] === v) continue;
    qs.set(k, String(v));
  }
  const s = qs.toString();
  return `${kind === 'home' ? '/' : '/archive'}${s ? `?${s}` : ''}`;
}

/**
 * The home page (published letters, open ones first by default: sort, filter, search, pages) and
 * the archive (closed letters, with what came of them). Neither needs a script: the form is a GET.
 * Each rendering is kept for LETTER_PAGE_CACHE_SECONDS per list, language and query, gzipped once,
 * with an ETag: on a busy day readers share a handful of renders, whatever they ask.
 */
export function findingRouter(ctx: AppContext): Router {
  const on = handlersOf<ListDeps>({
    ctx,
    pages: new MicroCache<PreparedBody>(ctx.config.LETTER_PAGE_CACHE_SECONDS * 1000),
  });
  const r = Router();
  r.get('/', on(showHome));
  r.get('/archive', on(showArchive));
  return r;
}

interface ListDeps {
  ctx: AppContext;
  /** Renderings of the lists, per list, language and query. */
  pages: MicroCache<PreparedBody>;
}

function showHome(deps: ListDeps, req: Request, res: Response): Promise<void> {
  return showList(deps, 'home', req, res);
}

function showArchive(deps: ListDeps, req: Request, res: Response): Promise<void> {
  return showList(deps, 'archive', req, res);
}

async function showList({ ctx, pages }: ListDeps, kind: ListKind, req: Request, res: Response): Promise<void> {
  const parsed = findingQuerySchema.safeParse(req.query);
  const searchError = parsed.error?.issues.find((i) => i.path[0] === 'q');
  if (!parsed.success && (!searchError || parsed.error.issues.some((i) => i.path[0] !== 'q')))
    throw new AppError(400, 'bad_request', 'finding.errors.badQuery');
  const query: FindingQuery = parsed.success ? parsed.data : findingQuerySchema.parse({ ...req.query, q: undefined });
  const defaults = kind === 'home' ? HOME_DEFAULTS : ARCHIVE_DEFAULTS;
  const sort = query.sort ?? defaults.sort;
  const filter = query.filter ?? defaults.filter;
  if (kind === 'archive' && (!ARCHIVE_FILTERS.includes(filter) || sort === 'closing'))
    throw new AppError(400, 'bad_request', 'finding.errors.badQuery');
  const typed =
    searchError && typeof req.query.q === 'string' ? req.query.q.slice(0, LETTER_SEARCH_MAX_CHARACTERS) : '';
  const key = [kind, req.lang, sort, filter, query.page, query.q ?? '', searchError ? `!${typed}` : ''].join('|');
  const body = await pages.get(key, async () => {
    const found = searchError
      ? { letters: [], more: false }
      : await findLetters(ctx.db, {
          sort,
          filter,
          closedOnly: kind === 'archive',
          q: query.q,
          page: query.page,
          preferred: [req.lang],
        });
    const kept = { sort, filter, q: query.q };
    const html = await renderToString(res, 'finding/list', {
      title: req.t(kind === 'home' ? 'home.title' : 'finding.archive.title'),
      kind,
      letters: found.letters,
      query: { sort, filter, q: searchError ? typed : (query.q ?? '') },
      searchError: searchError ? req.t(searchError.message) : null,
      filters: kind === 'home' ? ['open', 'closed', 'delivered', 'answered', 'all'] : ARCHIVE_FILTERS,
      sorts: kind === 'home' ? ['signed', 'newest', 'closing'] : ['newest', 'signed'],
      chosen: Boolean(query.q || query.sort || query.filter),
      page: query.page,
      previousUrl: query.page > 1 ? findingUrl(kind, { ...kept, page: query.page - 1 }) : null,
      nextUrl:
        found.more && query.page < FINDING_MAX_PAGES ? findingUrl(kind, { ...kept, page: query.page + 1 }) : null,
      clearUrl: findingUrl(kind, {}),
      languageLinks: kind === 'home' ? homeLanguageLinks(ctx.config.BASE_URL, req.lang) : null,
    });
    return prepareBody(html, 'text/html; charset=utf-8');
  });
  if (searchError) res.status(400);
  sendPrepared(req, res, body);
}

function renderToString(res: Response, view: string, locals: object): Promise<string> {
  return new Promise((resolve, reject) => res.render(view, locals, (err, html) => (err ? reject(err) : resolve(html))));
}
