import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import type { Language, Letter } from '../../core/letters/letter.entity';
import { chooseTranslation, findPublicLetter } from '../../core/letters/letters.service';
import { slugParam } from '../../core/letters/letter-request';
import {
  auditActor,
  currentOrganiser,
  requireLetterRole,
  requireOrganiser,
  type OrganiserLocals,
} from '../../core/access';
import { handlersOf } from '../../platform/web/handlers';
import { NotFound } from '../../platform/web/errors';
import { sendLargeObject } from '../../platform/web/send-file';
import { parseForm } from '../../platform/web/validate';
import {
  encodeHeaderImage,
  HEADER_IMAGE_LIMIT_BYTES,
  HEADER_IMAGE_MAX_WIDTH,
  HeaderImageUnreadable,
} from './header-image-encoding';
import { ALT_TEXT_MAX, headerImageAltSchema } from './header-image.schema';
import {
  headerImageFile,
  headerImageOf,
  headerImagePath,
  removeHeaderImage,
  saveHeaderImage,
  saveHeaderImageAlt,
} from './header-image.service';

/** A content-addressed file never changes: any cache may keep it for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const SHA256_FILE = /^([0-9a-f]{64})\.jpg$/;

function letterOf(res: Response): Letter {
  return (res.locals as OrganiserLocals).letter!;
}

function languagesOf(letter: Letter): Language[] {
  const langs = letter.translations.map((t) => t.language);
  // The default language first: its alt text is the one that must be there.
  return [letter.defaultLanguage, ...langs.filter((l) => l !== letter.defaultLanguage)];
}

interface FormState {
  values: Record<string, string>;
  errors: Record<string, string>;
}

async function renderPage(ctx: AppContext, req: Request, res: Response, form: FormState | null, status = 200) {
  const letter = letterOf(res);
  const image = await headerImageOf(ctx.db, letter.id);
  const languages = languagesOf(letter);
  const values: Record<string, string> =
    form?.values ?? Object.fromEntries(languages.map((l) => [`alt_${l}`, image?.alt[l] ?? '']));
  res.status(status).render('header-images/header-image', {
    title: req.t('headerImages.title'),
    letter: {
      slug: letter.slug,
      title: chooseTranslation(letter.translations, letter.defaultLanguage, [req.lang]).title,
      defaultLanguage: letter.defaultLanguage,
    },
    image: image
      ? {
          src: headerImagePath(letter.slug, image.sha256),
          width: image.width,
          height: image.height,
          alt: image.alt[req.lang] ?? image.alt[letter.defaultLanguage] ?? '',
        }
      : null,
    languages,
    form: { values, errors: form?.errors ?? {} },
    limits: { mb: HEADER_IMAGE_LIMIT_BYTES / 1024 / 1024, width: HEADER_IMAGE_MAX_WIDTH, alt: ALT_TEXT_MAX },
    saved: typeof req.query.saved === 'string' ? req.query.saved : null,
  });
}

/** GET /organise/letters/:slug/header-image: the image, its alt texts, the form to change or remove it. */
async function showHeaderImage(ctx: AppContext, req: Request, res: Response): Promise<void> {
  await renderPage(ctx, req, res, null);
}

/**
 * POST /organise/letters/:slug/header-image (multipart, parsed by headerImageUploadParser): a new
 * image with its alt texts, or, with no file, new alt texts for the image there is. The image is
 * decoded and encoded again on the server (header-image-encoding.ts) before anything is stored.
 */
async function uploadHeaderImage(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const letter = letterOf(res);
  const languages = languagesOf(letter);
  const body = (req.body ?? {}) as Record<string, unknown>;
  const values = Object.fromEntries(
    languages.map((l) => [`alt_${l}`, typeof body[`alt_${l}`] === 'string' ? String(body[`alt_${l}`]) : '']),
  );
  const parsed = parseForm(headerImageAltSchema(languages, letter.defaultLanguage), values);
  const file = req.file?.buffer?.length ? req.file.buffer : null;
  const errors: Record<string, string> = parsed.ok ? {} : { ...parsed.errors };
  if (!file && !(await headerImageOf(ctx.db, letter.id))) errors.image = 'headerImages.errors.noFile';
  if (Object.keys(errors).length || !parsed.ok) return renderPage(ctx, req, res, { values, errors }, 422);
  const actor = auditActor(currentOrganiser(res)!);
  if (!file) {
    await saveHeaderImageAlt(ctx.db, letter.id, parsed.data, actor);
    return res.redirect(303, `/organise/letters/${letter.slug}/header-image?saved=alt`);
  }
  let encoded;
  try {
    encoded = await encodeHeaderImage(file);
  } catch (err) {
    if (!(err instanceof HeaderImageUnreadable)) throw err;
    return renderPage(ctx, req, res, { values, errors: { image: `headerImages.errors.${err.reason}` } }, 422);
  }
  await saveHeaderImage(ctx.db, letter.id, encoded, parsed.data, actor);
  ctx.log.info({ letterId: letter.id, bytes: encoded.page.length }, 'header image saved');
  res.redirect(303, `/organise/letters/${letter.slug}/header-image?saved=image`);
}

/** POST /organise/letters/:slug/header-image/remove */
async function deleteHeaderImage(ctx: AppContext, _req: Request, res: Response): Promise<void> {
  const letter = letterOf(res);
  await removeHeaderImage(ctx.db, letter.id, auditActor(currentOrganiser(res)!));
  res.redirect(303, `/organise/letters/${letter.slug}/header-image?saved=removed`);
}

/**
 * GET /letters/:slug/header-image/<sha256>.jpg: the published letter's image, from our own host,
 * streamed from its large object. Its address names its digest, so it is cached for good and a
 * replaced image is a new address; an old address answers 404.
 */
async function serveHeaderImage(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const m = SHA256_FILE.exec(String(req.params.file ?? ''));
  if (!m) throw new NotFound();
  const letter = await findPublicLetter(ctx.db, slugParam(req));
  const file = await headerImageFile(ctx.db, letter.id, m[1]);
  if (!file) throw new NotFound();
  await sendLargeObject(ctx.db, req, res, file, { cacheControl: IMMUTABLE, disposition: 'inline' });
}

/** The owners' page for a letter's header image, and the public image itself. */
export function headerImagesRouter(ctx: AppContext): Router {
  const on = handlersOf(ctx);
  const owner = [requireOrganiser, requireLetterRole(ctx, 'owner')];
  const r = Router();
  r.get('/organise/letters/:slug/header-image', ...owner, on(showHeaderImage));
  // The body was parsed by headerImageUploadParser, mounted before the CSRF check (app.ts).
  r.post('/organise/letters/:slug/header-image', ...owner, on(uploadHeaderImage));
  r.post('/organise/letters/:slug/header-image/remove', ...owner, on(deleteHeaderImage));
  return r;
}

/**
 * The public image, mounted among the fast reads (before sessions: a cached image carries no
 * cookie). Letter pages of a busy letter ask for it with every first visit.
 */
export function headerImageFileHandler(ctx: AppContext) {
  return handlersOf(ctx)(serveHeaderImage);
}
