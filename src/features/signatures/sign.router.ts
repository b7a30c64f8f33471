import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import { decideEmail } from '../abuse';
import { consumeFlood } from '../abuse';
import { askedFields, type Letter } from '../../core/letters/letter.entity';
import { findPublicLetter, findSignableLetter } from '../../core/letters/letters.service';
import { slugParam, versionFor } from '../../core/letters/letter-request';
import { signedText } from '../../core/letters/text-versions';
import { parseForm } from '../../platform/web/validate';
import { askedOnly, emailOnlySchema, signFormSchema } from './sign-form.schema';
import { requestManageLink } from './request-manage-link';
import { signLetter } from './sign-letter';

/** What the sign form shows again after a refused or doubtful submission. */
export interface SignFormState {
  values: Record<string, unknown>;
  errors: Record<string, string>;
  emailHint?: { typed: string; suggestion: string };
}

/** Renders the letter page with the sign form in this state (the page is not this feature's). */
export type RenderLetterPage = (
  req: Request,
  res: Response,
  letter: Letter,
  form: SignFormState,
  status?: number,
) => Promise<void>;

/**
 * One of the two exceptions to the flood middleware (src/features/abuse/flood.middleware.ts; the other is the press of Confirm, signatures.router.ts): a POST to a letter's
 * sign route counts its flood counter itself, so that a signature pays one round trip for all its
 * counters (signLetter, src/features/signatures/sign-letter.ts); every other answer to that POST
 * (invalid form, the "did you mean" hint) consumes it below. A POST for an unknown letter is a 404
 * after one indexed lookup, as cheap as a GET, and is not counted. The composition passes this
 * predicate to the flood middleware (src/app/app.ts).
 */
const SIGN_PATH = /^\/letters\/[^/]+\/sign$/;
export function countsItsOwnFlood(req: Request): boolean {
  return req.method === 'POST' && SIGN_PATH.test(req.path);
}

/** Signing a letter, the page that says to check one's email, and the request for a manage link. */
export function signRouter(ctx: AppContext, renderLetter: RenderLetterPage): Router {
  const r = Router();

  r.post('/letters/:slug/sign', async (req, res) => {
    const letter = await findSignableLetter(ctx.db, slugParam(req));
    // Only the fields this letter asks: any other is ignored, as if it had not been sent.
    const parsed = parseForm(signFormSchema, askedOnly(req.body, askedFields(letter)));
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
    const text = signedText(
      letter,
      { language: parsed.data.textLanguage, version: parsed.data.textVersion },
      versionFor(req, letter).language,
    );
    await signLetter(
      ctx,
      letter,
      { ...parsed.data, email: email.email },
      { ip: req.ip ?? '', language: req.lang, text },
    );
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
      return res.status(422).render('signatures/manage', {
        ...view,
        form: { values: req.body as object, errors: parsed.errors },
        sent: false,
      });
    }
    await requestManageLink(ctx, letter, parsed.data.email, req.ip ?? '');
    res.render('signatures/manage', { ...view, form: { values: {}, errors: {} }, sent: true });
  });

  return r;
}
