import { Router } from 'express';
import type { AppContext } from '../../platform/context';
import { MicroCache } from '../../platform/web/micro-cache';
import { indexableSignatoryLists, renderRobotsTxt, renderSitemap, sitemapLetters } from './crawlers.service';
import { faviconIco } from './favicon';

/**
 * robots.txt follows the owners' switch of the list of signatories (letters.signatories_noindex):
 * made at most once per process every few seconds, and kept by crawlers for an hour, so an owner's
 * change reaches them within the hour.
 */
export const ROBOTS_MAX_AGE_SECONDS = 3600;
const robots = new MicroCache<string>(5_000);

/** Forgets the robots.txt this process made (after an owner's change of the switch). */
export function forgetRobotsTxt(): void {
  robots.forget('robots');
}

/**
 * robots.txt, the sitemap and /favicon.ico: the files clients ask for at the site's root. They
 * speak no language and set no cookie, so they are mounted before the locale and sessions.
 */
export function crawlersRouter(ctx: AppContext): Router {
  const r = Router();
  const base = ctx.config.BASE_URL;

  r.get('/robots.txt', async (_req, res) => {
    const text = await robots.get('robots', async () => renderRobotsTxt(base, await indexableSignatoryLists(ctx.db)));
    res.set('Cache-Control', `public, max-age=${ROBOTS_MAX_AGE_SECONDS}`).type('text/plain; charset=utf-8').send(text);
  });

  r.get('/sitemap.xml', async (_req, res) => {
    const xml = renderSitemap(base, await sitemapLetters(ctx.db));
    res.set('Cache-Control', 'public, max-age=3600').type('application/xml; charset=utf-8').send(xml);
  });

  r.get('/favicon.ico', async (_req, res) => {
    res
      .set('Cache-Control', 'public, max-age=604800')
      .type('image/x-icon')
      .send(await faviconIco());
  });

  return r;
}
