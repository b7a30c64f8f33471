import type { Feature } from '../../platform/feature';
import { signatoriesRouter } from './signatories.router';
import { ownRowLinkOf, ownRowLinks } from './signatories.service';
import { signatoriesJobs } from './tasks';
import { ownersRouter } from './owners.router';
import { unfeatureRouter } from './unfeature.router';

export {
  decodeCursor,
  encodeCursor,
  NO_SIGNATORIES_FILTERS,
  ownRowLinkOf,
  ownRowLinks,
  publicSignatoryCount,
  SIGNATORIES_PAGE_SIZE,
  signatoriesPage,
  signatoriesPageQuery,
  type SignatoriesCursor,
  type SignatoriesFilters,
} from './signatories.service';
export { forgetSignatoriesPages, signatoriesRouter, signatoriesUrl } from './signatories.router';
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
export { featuredSignatories, type FeaturedSignatory, MAX_FEATURED } from './notable.service';
export { affiliationMatch, checkedAffiliations } from './affiliations.service';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'signatories',
  jobs: signatoriesJobs,
  views: ['signatories'],
  messages: ['signatories'],
  // The confirmed page (features/signatures, below this one) links to the signer's row.
  provide: (ctx) => ({
    ownRowLink: async (signatureId, known) =>
      known ? ownRowLinkOf(signatureId, known) : ((await ownRowLinks(ctx.db, [signatureId])).get(signatureId) ?? null),
  }),
  routes: (ctx) => ({ pages: [signatoriesRouter(ctx), ownersRouter(ctx), unfeatureRouter(ctx)] }),
};
