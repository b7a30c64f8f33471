import type { Feature } from '../../platform/feature';
import { requireLetterRole, requireOrganiser } from '../../core/access';
import { HeaderImageTooLarge, HEADER_IMAGE_BODY_LIMIT_BYTES, headerImageUploadParser } from './header-image-upload';
import { headerImageFileHandler, headerImagesRouter } from './header-images.router';

export {
  encodeHeaderImage,
  HEADER_CARD_HEIGHT,
  HEADER_CARD_WIDTH,
  HEADER_IMAGE_LIMIT_BYTES,
  HEADER_IMAGE_MAX_WIDTH,
  headerImageType,
} from './header-image-encoding';
export {
  headerCardOf,
  headerImageDigest,
  headerImageForPage,
  headerImageOf,
  headerImagePath,
  type HeaderImageOnPage,
} from './header-image.service';
export { headerImagesRouter } from './header-images.router';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'header-images',
  views: ['header-images'],
  messages: ['header-images'],
  routes: (ctx) => ({
    fast: [{ path: '/letters/:slug/header-image/:file', handler: headerImageFileHandler(ctx) }],
    // The image upload: refused on its headers unless an owner of the letter sends it.
    uploads: [
      {
        path: '/organise/letters/:slug/header-image',
        maxBodyBytes: HEADER_IMAGE_BODY_LIMIT_BYTES,
        tooLarge: () => new HeaderImageTooLarge(),
        checks: [requireOrganiser, requireLetterRole(ctx, 'owner')],
        parser: headerImageUploadParser(),
      },
    ],
    pages: [headerImagesRouter(ctx)],
  }),
};
