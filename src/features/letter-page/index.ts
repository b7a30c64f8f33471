import type { Feature } from '../../platform/feature';
import type { AppContext } from '../../platform/context';
import { letterPage } from './letter-page.router';

/** One letter page per app: its router, its JSON and its renderer (handed to the sign form). */
const pages = new WeakMap<AppContext, ReturnType<typeof letterPage>>();
function pageOf(ctx: AppContext): ReturnType<typeof letterPage> {
  let page = pages.get(ctx);
  if (!page) pages.set(ctx, (page = letterPage(ctx)));
  return page;
}

export { letterPage } from './letter-page.router';

/**
 * Forgets the letter page and JSON this app rendered for a letter (both live a second or so):
 * an organiser who approves comments sees them on the page at once. Other processes' copies
 * expire by themselves within LETTER_PAGE_CACHE_SECONDS.
 */
export function forgetLetterPage(ctx: AppContext, slug: string): void {
  pages.get(ctx)?.forget(slug);
}

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'letter-page',
  views: ['letters'],
  // The sign form shows the letter page again with its errors.
  provide: (ctx) => ({ renderLetterPage: pageOf(ctx).render }),
  routes: (ctx) => ({
    // The public JSON, read by widgets and scripts thousands of times a second on a viral day.
    fast: [{ path: '/letters/:slug.json', handler: pageOf(ctx).json }],
    pages: [pageOf(ctx).router],
  }),
};
