import { Router } from 'express';
import type { AppContext } from '../../platform/context';
import { renderRobotsTxt, renderSitemap, sitemapLetters } from './crawlers.service';
import { faviconIco } from './favicon';

/**
 * robots.txt, the sitemap and /favicon.ico: the files clients ask for at the site's root. They
 * speak no language and set no cookie, so they are mounted before the locale and sessions.
 */
export function crawlersRouter(ctx: AppContext): Router {
  const r = Router();
  const base = ctx.config.BASE_URL;

  r.get('/robots.txt', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=86400').type('text/plain; charset=utf-8').send(renderRobotsTxt(base));
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
