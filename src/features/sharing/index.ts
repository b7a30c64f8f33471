import type { Feature } from '../../platform/feature';
import { crawlersRouter } from './crawlers.router';
import type { UpdateSource } from './feeds.service';
import { sharingRouter } from './sharing.router';

declare module '../../platform/feature' {
  interface Provided {
    /** More entries for the letters' feeds, from the features that publish them. */
    updateSources?: UpdateSource[];
  }
}

export { type AtomEntry, renderAtomFeed } from './atom';
export { crawlersRouter, forgetRobotsTxt } from './crawlers.router';
export { FEED_LIMIT, type FeedContext, type UpdateSource } from './feeds.service';
export { homeLanguageLinks, letterSharing, shareBlock } from './letter-sharing';
export { sharingRouter } from './sharing.router';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'sharing',
  views: ['sharing'],
  messages: ['sharing'],
  routes: (ctx, provided) => ({
    public: [crawlersRouter(ctx)],
    pages: [sharingRouter(ctx, provided.updateSources ?? [])],
  }),
};
