import crypto from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import { chooseTranslation, findPublicLetter, letterPublicData } from '../../core/letters/letters.service';
import { verifiedCount } from '../../core/letters/counts.service';
import { AppError, NotFound } from '../../platform/web/errors';
import { formatNumber, isLanguage, tFor } from '../../platform/web/i18n';
import { renderAtomFeed } from './atom';
import {
  openLetterEntries,
  sharingUpdateSources,
  updateEntries,
  type FeedContext,
  type UpdateSource,
} from './feeds.service';
import { embedSizeWithin, embedSnippet, letterUrl } from './letter-sharing';
import { qrPng, qrPngSize, qrSvg } from './qr-code';
import { renderShareImage, ShareImageCache } from './share-image';
import { slugParam, versionFor } from '../../core/letters/letter-request';
import { headerCardOf, headerImageDigest } from '../header-images';

const FIVE_MINUTES = 'public, max-age=300';
const ONE_DAY = 'public, max-age=86400';

/**
 * Public, cacheable answers carry no cookie (a shared cache must not store someone's language
 * choice) and may be used by other sites (cards, flyers, embeds).
 */
function publicAsset(res: Response, cacheControl: string): void {
  res.removeHeader('Set-Cookie');
  res.set('Cache-Control', cacheControl);
  res.set('Cross-Origin-Resource-Policy', 'cross-origin');
}

// Hashing an image costs more than looking up its hash; images are replaced, never mutated.
const etags = new WeakMap<Buffer, string>();
function etagOf(png: Buffer): string {
  let tag = etags.get(png);
  if (!tag) {
    tag = `"${crypto.createHash('sha256').update(png).digest('base64url').slice(0, 27)}"`;
    etags.set(png, tag);
  }
  return tag;
}

/** Share image, QR codes, the embeddable widget, oEmbed and the Atom feeds. */
/** `moreUpdateSources`: other features' entries for the updates feed, given by the composition. */
export function sharingRouter(ctx: AppContext, moreUpdateSources: UpdateSource[] = []): Router {
  const updateSources = [...sharingUpdateSources, ...moreUpdateSources];
  const r = Router();
  const base = ctx.config.BASE_URL;
  // One per process: crawlers arrive in bursts right after a link is posted.
  const images = new ShareImageCache();
  // QR codes: one per letter address (slug and language) and width, so a `?size=` or any other
  // parameter can only pick among a few images already made. The address is part of the key:
  // a new slug makes a new code.
  const qrCodes = new ShareImageCache({ maxEntries: 500 });

  r.get('/letters/:slug/share.png', async (req, res) => {
    const letter = await findPublicLetter(ctx.db, slugParam(req));
    const version = versionFor(req, letter);
    const [count, digest] = await Promise.all([verifiedCount(ctx.db, letter.id), headerImageDigest(ctx.db, letter.id)]);
    const t = tFor(version.language);
    // The edit time and the header image's digest are part of the key, so a corrected title or a
    // new image shows at once.
    const key = {
      letterId: letter.id,
      language: `${version.language}@${letter.updatedAt.getTime()}@${digest ?? ''}`,
      count,
    };
    const png = await images.getOrRender(key, async () =>
      renderShareImage({
        title: version.title,
        count,
        countLabel: t('sharing.image.signatures', { count, formatted: formatNumber(count, version.language) }),
        siteName: t('site.name'),
        recipient: t('sharing.image.to', { recipient: version.recipient }),
        headerImage: digest ? ((await headerCardOf(ctx.db, letter.id)) ?? undefined) : undefined,
      }),
    );
    publicAsset(res, FIVE_MINUTES);
    res.set('ETag', etagOf(png));
    res.type('png').send(png);
  });

  async function qrTarget(req: Request): Promise<{ letterId: string; url: string }> {
    const letter = await findPublicLetter(ctx.db, slugParam(req));
    const asked = typeof req.query.lang === 'string' && isLanguage(req.query.lang) ? req.query.lang : null;
    const lang = asked && letter.translations.some((x) => x.language === asked) ? asked : undefined;
    return { letterId: letter.id, url: letterUrl(base, letter.slug, lang) };
  }

  r.get('/letters/:slug/qr.svg', async (req, res) => {
    const { letterId, url } = await qrTarget(req);
    const svg = await qrCodes.getOrRender({ letterId, language: `${url} svg`, count: 0 }, async () =>
      Buffer.from(await qrSvg(url)),
    );
    publicAsset(res, ONE_DAY);
    res.set('ETag', etagOf(svg));
    res.type('image/svg+xml').send(svg);
  });

  r.get('/letters/:slug/qr.png', async (req, res) => {
    const { letterId, url } = await qrTarget(req);
    const size = qrPngSize(Number(req.query.size));
    const png = await qrCodes.getOrRender({ letterId, language: `${url} ${size}`, count: 0 }, () => qrPng(url, size));
    publicAsset(res, ONE_DAY);
    res.set('ETag', etagOf(png));
    res.type('png').send(png);
  });

  r.get('/letters/:slug/embed', async (req, res) => {
    const letter = await findPublicLetter(ctx.db, slugParam(req));
    const version = versionFor(req, letter);
    const data = await letterPublicData(ctx.db, letter, version, base);
    publicAsset(res, 'public, max-age=60');
    // The only page any site may frame: it shows public data and changes nothing.
    const csp = String(res.getHeader('Content-Security-Policy') ?? '');
    res.set('Content-Security-Policy', csp.replace(/frame-ancestors [^;]*/, 'frame-ancestors *'));
    res.removeHeader('X-Frame-Options');
    res.render('sharing/embed', {
      title: version.shortTitle ?? version.title,
      letter: data,
      letterHref: letterUrl(base, letter.slug, version.language),
    });
  });

  r.get('/oembed', async (req, res) => {
    const format = typeof req.query.format === 'string' ? req.query.format : 'json';
    if (format !== 'json') throw new AppError(501, 'format_not_supported', 'errors.badRequest');
    const target = typeof req.query.url === 'string' ? parseLetterUrl(req.query.url, base) : null;
    if (!target) throw new NotFound();
    const letter = await findPublicLetter(ctx.db, target.slug);
    const version = chooseTranslation(letter.translations, letter.defaultLanguage, [target.lang, req.lang]);
    const t = tFor(version.language);
    // The spec lets a provider refuse a size it cannot fill with 501 (a refusal, not an outage).
    const size = embedSizeWithin(req.query.maxwidth, req.query.maxheight);
    if (!size) throw new AppError(501, 'embed_too_small', 'sharing.oembed.tooSmall');
    publicAsset(res, FIVE_MINUTES);
    res.set('Access-Control-Allow-Origin', '*');
    res.json({
      version: '1.0',
      type: 'rich',
      title: version.title,
      provider_name: t('site.name'),
      provider_url: `${base}/`,
      html: embedSnippet(
        base,
        letter.slug,
        version.language,
        t('sharing.embed.frameTitle', { title: version.title }),
        size,
      ),
      width: size.width,
      height: size.height,
      cache_age: 300,
    });
  });

  async function sendFeed(req: Request, res: Response, kind: 'letters' | 'updates') {
    const fc: FeedContext = { db: ctx.db, baseUrl: base, lang: req.lang, t: req.t };
    const entries = kind === 'letters' ? await openLetterEntries(fc) : await updateEntries(fc, updateSources);
    const site = req.t('site.name');
    const xml = renderAtomFeed({
      id: `${base}/feeds/${kind}.atom?lang=${req.lang}`,
      title: req.t(`sharing.feeds.${kind}`, { site }),
      subtitle: req.t(`sharing.feeds.${kind}Subtitle`),
      selfUrl: `${base}/feeds/${kind}.atom?lang=${req.lang}`,
      alternateUrl: `${base}/?lang=${req.lang}`,
      language: req.lang,
      authorName: site,
      entries,
    });
    publicAsset(res, FIVE_MINUTES);
    res.type('application/atom+xml; charset=utf-8').send(xml);
  }

  r.get('/feeds/letters.atom', (req, res) => sendFeed(req, res, 'letters'));
  r.get('/feeds/updates.atom', (req, res) => sendFeed(req, res, 'updates'));

  return r;
}

/** A letter page of this site (`BASE_URL/letters/<slug>`, optionally `?lang=`), or null. */
export function parseLetterUrl(raw: string, baseUrl: string): { slug: string; lang: ReturnType<typeof langOf> } | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  const site = new URL(baseUrl);
  if (url.origin !== site.origin) return null;
  const prefix = site.pathname.replace(/\/+$/, '');
  const m = /^\/letters\/([a-z0-9]+(?:-[a-z0-9]+)*)\/?$/.exec(url.pathname.slice(prefix.length));
  if (!url.pathname.startsWith(`${prefix}/`) || !m) return null;
  return { slug: m[1], lang: langOf(url.searchParams.get('lang')) };
}

function langOf(v: string | null) {
  return isLanguage(v) ? v : null;
}
