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

export { letterPage, type RenderLetterPreview } from './letter-page.router';

/** The letter page's preview renderer of this app (see RenderLetterPreview). */
export function letterPreview(ctx: AppContext) {
  return pageOf(ctx).preview;
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
