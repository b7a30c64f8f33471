import type { Feature } from '../../platform/feature';
import { signatoriesRouter } from './signatories.router';
import { ownRowLinks } from './signatories.service';
import { signatoriesJobs } from './tasks';

export {
  decodeCursor,
  encodeCursor,
  NO_SIGNATORIES_FILTERS,
  ownRowLinks,
  publicSignatoryCount,
  SIGNATORIES_PAGE_SIZE,
  signatoriesPage,
  signatoriesPageQuery,
  type SignatoriesCursor,
  type SignatoriesFilters,
} from './signatories.service';
export { signatoriesRouter, signatoriesUrl } from './signatories.router';
export { makePublicListFile, currentPublicListFile, TASK_PUBLIC_LIST_FILE } from './public-list-file.service';
export { signatoriesJobs } from './tasks';
export {
  commentWall,
  COMMENT_WALL_SIZE,
  shownComments,
  shownCommentsQuery,
  type ShownComment,
} from './comments.service';
export { letterSupportMap, supportMapSvg } from './support-map';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'signatories',
  jobs: signatoriesJobs,
  views: ['signatories'],
  messages: ['signatories'],
  // The confirmed page (features/signatures, below this one) links to the signer's row.
  provide: (ctx) => ({
    ownRowLink: async (signatureId: string) => (await ownRowLinks(ctx.db, [signatureId])).get(signatureId) ?? null,
  }),
  routes: (ctx) => ({ pages: [signatoriesRouter(ctx)] }),
};
