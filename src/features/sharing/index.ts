export { type AtomEntry } from './atom';
export { crawlersRouter } from './crawlers.router';
export { FEED_LIMIT, type FeedContext, type UpdateSource } from './feeds.service';
export { homeLanguageLinks, letterSharing, shareBlock } from './letter-sharing';
export { sharingRouter } from './sharing.router';
