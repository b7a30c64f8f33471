import type { Feature } from '../../platform/feature';
import type { AppContext } from '../../platform/context';
import { RecipientLink, RecipientLinkEvent } from './recipient-link.entity';
import { recipientLinksOfMember } from './recipient-links.service';
import { privateRecipientHeaders, recipientsRouter } from './recipients.router';
import {
  AttachmentTooLarge,
  RESPONSE_UPLOAD_BODY_LIMIT_BYTES,
  responseUploadChecks,
  responseUploadParser,
} from './response-upload';
import { recipientJobs } from './tasks';

/** One recipients router per app: its routes and the delivery panel it hands to the dashboard. */
const routers = new WeakMap<AppContext, ReturnType<typeof recipientsRouter>>();
function routerOf(ctx: AppContext): ReturnType<typeof recipientsRouter> {
  let made = routers.get(ctx);
  if (!made) routers.set(ctx, (made = recipientsRouter(ctx)));
  return made;
}

export { RecipientLink, RecipientLinkEvent } from './recipient-link.entity';
export { recipientLinksOfMember, renewReminderToken } from './recipient-links.service';
export { type DeliveryPanel, privateRecipientHeaders, recipientsRouter } from './recipients.router';
export {
  AttachmentTooLarge,
  RESPONSE_UPLOAD_BODY_LIMIT_BYTES,
  responseUploadChecks,
  responseUploadParser,
} from './response-upload';
export { recipientJobs } from './tasks';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'recipients',
  entities: [RecipientLink, RecipientLinkEvent],
  jobs: recipientJobs,
  views: ['recipients'],
  messages: ['recipients'],
  provide: (ctx) => ({ deliveryPanel: routerOf(ctx).deliveryPanel, memberAccess: [recipientLinksOfMember] }),
  routes: (ctx) => ({
    headers: [{ path: '/r', handler: privateRecipientHeaders }],
    // An addressee's response through their recipient link, with an optional PDF: refused before
    // its body is read when the link is not live or the network's byte budget is spent; the PDF
    // streams into a large object.
    uploads: [
      {
        path: '/r/:token/response',
        maxBodyBytes: RESPONSE_UPLOAD_BODY_LIMIT_BYTES,
        tooLarge: () => new AttachmentTooLarge(),
        checks: responseUploadChecks(ctx),
        parser: responseUploadParser(ctx),
      },
    ],
    pages: [routerOf(ctx).router],
  }),
};
