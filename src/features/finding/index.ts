import type { Feature } from '../../platform/feature';
import { findingRouter } from './finding.router';

export { findLetters, PUBLISHED_LETTER, type FoundLetter } from './finding.service';
export { findingRouter, findingUrl } from './finding.router';
export { FINDING_MAX_PAGES, FINDING_PAGE_SIZE } from './finding-query.schema';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'finding',
  views: ['finding'],
  messages: ['finding'],
  routes: (ctx) => ({ pages: [findingRouter(ctx)] }),
};
