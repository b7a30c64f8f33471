import crypto from 'node:crypto';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import { askedFields, type Letter } from '../../core/letters/letter.entity';
import { findPublicLetter, letterPublicData, renderMarkdown } from '../../core/letters/letters.service';
import { askedLanguage, slugParam, versionFor } from '../../core/letters/letter-request';
import { integrityReport } from '../integrity';
import { countHistory, countHistoryChart } from '../history';
import { isChallengeMode } from '../abuse';
import { letterSharing } from '../sharing';
import { recentSignatories, type RenderLetterPage, type SignFormState } from '../signatures';
import {
  checkedAffiliations,
  commentWall,
  featuredSignatories,
  letterSupportMap,
  publicSignatoryCount,
  signatoriesUrl,
} from '../signatories';
import { countsByCountry, publicCountryCounts, SMALL_COUNTRY_THRESHOLD } from '../../core/letters/counts.service';
import { publicResponses } from '../updates';
import { headerImageForPage } from '../header-images';
import { changeNotice } from '../versions';
import { clockJson, describeEvent, letterClock, letterTimeline, TIMELINE_ON_LETTER_PAGE } from '../response-clock';
import { countryOptions, tFor } from '../../platform/web/i18n';
import { prepareJson, sendPrepared, type PreparedBody } from '../../platform/web/cached-response';
import { MicroCache } from '../../platform/web/micro-cache';

/** Shows a letter as its public page will, marked as a preview (the start and admin pages). */
export type RenderLetterPreview = (req: Request, res: Response, letter: Letter) => Promise<void>;

/**
 * The public JSON is shared for this long per process: on a viral day thousands of readers a
 * second (widgets, share cards, scripts) ask for the count, and each would otherwise cost a letter
 * read and a count. The count may be a second old, as on every large petition site (UK
 * Parliament's cached for five); organisers read the exact count on their dashboard.
 */
export const LETTER_JSON_CACHE_SECONDS = 1;
const LETTER_JSON_CACHE_CONTROL = `public, max-age=${LETTER_JSON_CACHE_SECONDS}, stale-while-revalidate=5`;

/**
 * The public letter page: the one page that shows what several features hold
 * (the count, the newest signers and the sign form, the sharing block, official responses). It
 * sits above them and reads each through its index.ts; `render` is what the sign route uses to
 * show the page again with the form's errors. `json` is the public JSON, which the app mounts ahead
 * of the middleware that pages need (sessions, CSRF, body parsers): it reads none of them.
 */
export function letterPage(ctx: AppContext): {
  router: Router;
  render: RenderLetterPage;
  json: RequestHandler;
  forget: (slug: string) => void;
  preview: RenderLetterPreview;
} {
  const r = Router();

  async function renderLetter(req: Request, res: Response, letter: Letter, form: SignFormState | null, status = 200) {
    res.status(status).render('letters/letter', await letterPageLocals(req, letter, form));
  }

  async function letterPageLocals(req: Request, letter: Letter, form: SignFormState | null) {
    const version = versionFor(req, letter);
    const data = await letterPublicData(ctx.db, letter, version, ctx.config.BASE_URL);
    const [
      individuals,
      organisations,
      signatoriesTotal,
      officialResponses,
      notice,
      sharing,
      challenge,
      history,
      map,
      featured,
      responseClock,
      timeline,
      wall,
      headerImage,
    ] = await Promise.all([
      recentSignatories(ctx.db, letter.id, 'individual'),
      recentSignatories(ctx.db, letter.id, 'organisation'),
      publicSignatoryCount(ctx.db, letter.id),
      publicResponses(ctx.db, letter.id),
      changeNotice(ctx.db, version),
      letterSharing(ctx.db, ctx.config.BASE_URL, letter, version, data.signatureCount, {
        lang: req.lang,
        t: req.t,
        versionT: tFor(version.language),
      }),
      isChallengeMode(ctx.db, letter.id),
      countHistory(ctx.db, letter),
      letterSupportMap(ctx.db, letter.id, req.lang, req.t),
      featuredSignatories(ctx.db, letter.id),
      letterClock(ctx.db, letter),
      letterTimeline(ctx.db, letter),
      commentWall(ctx.db, letter.id),
      headerImageForPage(ctx.db, letter, version.language),
    ]);
    // The organisers' affiliation mark on the newest signers (what was checked is never shown).
    const checked = await checkedAffiliations(
      ctx.db,
      [...individuals, ...organisations].map((s) => s.id),
    );
    const marked = <T extends { id: string }>(rows: T[]) =>
      rows.map((s) => ({ ...s, affiliationChecked: checked.has(s.id) }));
    return {
      title: version.shortTitle ?? version.title,
      letter: data,
      bodyHtml: renderMarkdown(version.body),
      versions: letter.translations.map((t) => t.language),
      individuals: marked(individuals),
      organisations: marked(organisations),
      // The notable signatories, in the owners' order, under the letter's text.
      featured,
      // The full list, linked with its total.
      signatories: { url: signatoriesUrl(letter.slug, {}), total: signatoriesTotal },
      countries: countryOptions(req.lang),
      form: form ?? { values: { visibility: letter.publicNamesDefault, signedAs: 'individual' }, errors: {} },
      // The optional fields this letter's form asks (its owners choose them).
      asked: askedFields(letter),
      // Signers' own words, once approved: the newest few, and where the others are.
      commentWall: { ...wall, url: `/letters/${letter.slug}/comments` },
      sharing,
      officialResponses,
      changeNotice: notice,
      // Challenge mode: the sign form carries the proof-of-work widget.
      challenge,
      // The count over time, drawn on the server (no script), its figures in the chart's text.
      historyChart: countHistoryChart(history, req.lang, req.t),
      // Where support comes from: the world map (an image of its own; its figures are in the
      // countries' list beside it and in its description), small countries as "fewer than 5".
      supportMap: { url: `/letters/${letter.slug}/map.svg?lang=${req.lang}`, alt: map.alt },
      // Since the delivery: awaiting, overdue or answered; and the newest events of the letter's story.
      responseClock,
      story: {
        total: timeline.length,
        items: timeline
          .slice(0, TIMELINE_ON_LETTER_PAGE)
          .map((e) => ({ ...describeEvent(e, letter.slug, req.lang, req.t), at: e.at, key: e.key })),
      },
      // The owners' header image, from our own host, described in the letter's language.
      headerImage,
    };
  }

  /**
   * A letter not yet public, shown to its starter and the admins exactly as readers will see it once
   * open (the same view and locals), under a notice that it is a preview. Never cached.
   */
  async function renderPreview(req: Request, res: Response, letter: Letter) {
    res.set('Cache-Control', 'private, no-store');
    res.set('X-Robots-Tag', 'noindex');
    const locals = await letterPageLocals(req, letter, null);
    res.render('letters/letter', { ...locals, letter: { ...locals.letter, status: 'open' }, preview: true });
  }

  // The page as anonymous readers get it, rendered once per letter, interface language and version
  // for LETTER_PAGE_CACHE_SECONDS, with a slot where each reader's own CSRF token goes.
  const pages = new MicroCache<string>(ctx.config.LETTER_PAGE_CACHE_SECONDS * 1000);
  const CSRF_SLOT = `csrf-slot-${crypto.randomBytes(16).toString('hex')}`;

  function renderToString(res: Response, view: string, locals: object): Promise<string> {
    return new Promise((resolve, reject) =>
      res.render(view, locals, (err, html) => (err ? reject(err) : resolve(html))),
    );
  }

  // One serialisation (and one gzip) per letter, interface language and asked version a second,
  // whatever the number of readers; a reader who has the bytes already gets a 304.
  const jsonBodies = new MicroCache<PreparedBody>(LETTER_JSON_CACHE_SECONDS * 1000);

  const json: RequestHandler = async (req, res) => {
    const slug = slugParam(req);
    const body = await jsonBodies.get(`${slug}|${req.lang}|${askedLanguage(req) ?? ''}`, async () => {
      const letter = await findPublicLetter(ctx.db, slug);
      const [data, integrity, signatoriesTotal, byCountry, responseClock, wall] = await Promise.all([
        letterPublicData(ctx.db, letter, versionFor(req, letter), ctx.config.BASE_URL),
        integrityReport(ctx.db, letter.id),
        publicSignatoryCount(ctx.db, letter.id),
        countsByCountry(ctx.db, letter.id),
        letterClock(ctx.db, letter),
        commentWall(ctx.db, letter.id),
      ]);
      // Verified signatures per country; below SMALL_COUNTRY_THRESHOLD only "fewer than" it.
      const countries = publicCountryCounts(byCountry).map((c) =>
        c.count === null ? { country: c.country, count: null, fewerThan: SMALL_COUNTRY_THRESHOLD } : c,
      );
      // Where the full public list is, and how many it shows.
      const signatories = { url: `${ctx.config.BASE_URL}${signatoriesUrl(slug, {})}`, total: signatoriesTotal };
      // The response clock: a state and ISO dates (null until the delivery is recorded).
      // The newest approved comments, as the wall shows them (a private signer's without a name).
      const comments = {
        url: `${ctx.config.BASE_URL}/letters/${slug}/comments`,
        newest: wall.comments.map((c) => ({
          comment: c.comment,
          name: c.name,
          organisation: c.organisation,
          country: c.country,
          approvedAt: c.approvedAt.toISOString(),
        })),
      };
      return prepareJson({
        ...data,
        integrity,
        signatories,
        countries,
        // The response clock: a state and ISO dates (null until the delivery is recorded).
        responseClock: clockJson(responseClock),
        comments,
      });
    });
    res.set('Cache-Control', LETTER_JSON_CACHE_CONTROL);
    sendPrepared(req, res, body);
  };

  r.get('/letters/:slug', async (req, res) => {
    const slug = slugParam(req);
    const html = await pages.get(`${slug}|${req.lang}|${askedLanguage(req) ?? ''}`, async () => {
      const letter = await findPublicLetter(ctx.db, slug);
      return renderToString(res, 'letters/letter', {
        ...(await letterPageLocals(req, letter, null)),
        csrfToken: () => CSRF_SLOT,
      });
    });
    res.type('html').send(html.replaceAll(CSRF_SLOT, (res.locals.csrfToken as () => string)()));
  });

  /** Drops this process's rendered copies of a letter's page and JSON (a change the public must see now). */
  function forget(slug: string): void {
    pages.forget(`${slug}|`);
    jsonBodies.forget(`${slug}|`);
  }

  return { router: r, render: renderLetter, json, forget, preview: renderPreview };
}
