import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context';
import crypto from 'node:crypto';
import { countryOptions, tFor } from '../web/i18n';
import { MicroCache } from '../web/micro-cache';
import { homeLanguageLinks, letterSharing } from '../sharing/letter-sharing';
import { decideEmail } from '../abuse/typo-hint';
import { consumeFlood } from '../abuse/flood.middleware';
import { parseForm } from '../web/validate';
import { emailOnlySchema, signFormSchema } from '../signatures/sign-form.schema';
import { requestManageLink, signLetter } from '../signatures/signing.service';
import type { Letter } from './letter.entity';
import {
  findPublicLetter,
  findSignableLetter,
  letterPublicData,
  listPublicLetters,
  recentSignatories,
  renderMarkdown,
} from './letters.service';
import { askedLanguage, slugParam, versionFor } from './letter-request';
import { publicResponses } from '../updates/updates.service';

export function lettersRouter(ctx: AppContext): Router {
  const r = Router();

  r.get('/', async (req, res) => {
    const letters = await listPublicLetters(ctx.db, [req.lang]);
    res.render('home', { title: req.t('home.title'), letters, languageLinks: homeLanguageLinks(ctx.config.BASE_URL, req.lang) });
  });

  type FormState = { values: Record<string, unknown>; errors: Record<string, string>; emailHint?: { typed: string; suggestion: string } };

  async function renderLetter(req: Request, res: Response, letter: Letter, form: FormState | null, status = 200) {
    res.status(status).render('letters/letter', await letterPageLocals(req, letter, form));
  }

  async function letterPageLocals(req: Request, letter: Letter, form: FormState | null) {
    const version = versionFor(req, letter);
    const data = await letterPublicData(ctx.db, letter, version, ctx.config.BASE_URL);
    const [individuals, organisations, officialResponses, sharing] = await Promise.all([
      recentSignatories(ctx.db, letter.id, 'individual'),
      recentSignatories(ctx.db, letter.id, 'organisation'),
      publicResponses(ctx.db, letter.id),
      letterSharing(ctx.db, ctx.config.BASE_URL, letter, version, data.signatureCount, {
        lang: req.lang,
        t: req.t,
        versionT: tFor(version.language),
      }),
    ]);
    return {
      title: version.shortTitle ?? version.title,
      letter: data,
      bodyHtml: renderMarkdown(version.body),
      versions: letter.translations.map((t) => t.language),
      individuals,
      organisations,
      countries: countryOptions(req.lang),
      form: form ?? { values: { visibility: letter.publicNamesDefault, signedAs: 'individual' }, errors: {} },
      sharing,
      officialResponses,
    };
  }

  // The page as anonymous readers get it, rendered once per letter, interface language and version
  // for LETTER_PAGE_CACHE_SECONDS, with a slot where each reader's own CSRF token goes.
  const pages = new MicroCache<string>(ctx.config.LETTER_PAGE_CACHE_SECONDS * 1000);
  const CSRF_SLOT = `csrf-slot-${crypto.randomBytes(16).toString('hex')}`;

  function renderToString(res: Response, view: string, locals: object): Promise<string> {
    return new Promise((resolve, reject) => res.render(view, locals, (err, html) => (err ? reject(err) : resolve(html))));
  }

  r.get('/letters/:slug.json', async (req, res) => {
    const letter = await findPublicLetter(ctx.db, slugParam(req));
    const data = await letterPublicData(ctx.db, letter, versionFor(req, letter), ctx.config.BASE_URL);
    res.set('Cache-Control', 'public, max-age=10');
    res.json(data);
  });

  r.get('/letters/:slug', async (req, res) => {
    const slug = slugParam(req);
    const html = await pages.get(`${slug}|${req.lang}|${askedLanguage(req) ?? ''}`, async () => {
      const letter = await findPublicLetter(ctx.db, slug);
      return renderToString(res, 'letters/letter', { ...(await letterPageLocals(req, letter, null)), csrfToken: () => CSRF_SLOT });
    });
    res.type('html').send(html.replaceAll(CSRF_SLOT, (res.locals.csrfToken as () => string)()));
  });

  r.post('/letters/:slug/sign', async (req, res) => {
    const letter = await findSignableLetter(ctx.db, slugParam(req));
    const parsed = parseForm(signFormSchema, req.body);
    // The flood middleware leaves this route's POST to count itself: signLetter consumes it with
    // the signing counters, and every other answer about this letter consumes it here. (A POST for
    // an unknown letter is a 404 after one indexed lookup, as cheap as a GET, and is not counted.)
    if (!parsed.ok) {
      await consumeFlood(ctx, req.ip ?? '');
      const values = { ...(req.body as Record<string, unknown>) };
      return renderLetter(req, res, letter, { values, errors: parsed.errors }, 422);
    }
    // "Did you mean …@gmail.com?" once, before the submission is final.
    const email = decideEmail(parsed.data.email, req.body);
    if (email.kind === 'hint') {
      await consumeFlood(ctx, req.ip ?? '');
      const values = { ...(req.body as Record<string, unknown>) };
      return renderLetter(req, res, letter, { values, errors: {}, emailHint: email });
    }
    // Emails go out in the interface language the signer used.
    await signLetter(ctx, letter, { ...parsed.data, email: email.email }, { ip: req.ip ?? '', language: req.lang });
    res.redirect(303, `/letters/${letter.slug}/check-email?lang=${req.lang}`);
  });

  r.get('/letters/:slug/check-email', async (req, res) => {
    const letter = await findPublicLetter(ctx.db, slugParam(req));
    const version = versionFor(req, letter);
    // The same page whatever the signing did, so the resend throttle is explained to everyone
    // rather than told to the one whose email it held back (that would say the address signed).
    res.render('signatures/check-email', {
      title: req.t('checkEmail.title'),
      letter: { slug: letter.slug, title: version.title },
      resendThrottled: ctx.config.RESEND_THROTTLE_MINUTES > 0,
    });
  });

  r.get('/letters/:slug/manage', async (req, res) => {
    const letter = await findPublicLetter(ctx.db, slugParam(req));
    const version = versionFor(req, letter);
    res.render('signatures/manage', {
      title: req.t('manage.title'),
      letter: { slug: letter.slug, title: version.title },
      form: { values: {}, errors: {} },
      sent: false,
    });
  });

  r.post('/letters/:slug/manage', async (req, res) => {
    const letter = await findPublicLetter(ctx.db, slugParam(req));
    const version = versionFor(req, letter);
    const parsed = parseForm(emailOnlySchema, req.body);
    const view = { title: req.t('manage.title'), letter: { slug: letter.slug, title: version.title } };
    if (!parsed.ok) {
      return res.status(422).render('signatures/manage', { ...view, form: { values: req.body as object, errors: parsed.errors }, sent: false });
    }
    await requestManageLink(ctx, letter, parsed.data.email, req.ip ?? '');
    res.render('signatures/manage', { ...view, form: { values: {}, errors: {} }, sent: true });
  });

  return r;
}
