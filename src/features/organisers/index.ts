import type { Feature } from '../../platform/feature';
import type { MemberAccessFn } from '../../core/access';
import { commentsQueueRouter } from './comments-queue.router';
import { heldQueueRouter } from './held-queue.router';
import { invitationsRouter } from './invitations.router';
import { type DeliveryPanelFn, organiseRouter } from './organise.router';
import { organiserJobs } from './tasks';
import { TeamInvitation } from './team-invitation.entity';

declare module '../../platform/feature' {
  interface Provided {
    /** The delivery area of the dashboard, from the feature that makes recipient links. */
    deliveryPanel?: DeliveryPanelFn;
    /** What a member handed out on a letter, listed for the owners before the member leaves its team. */
    memberAccess?: MemberAccessFn[];
  }
}

export { commentsQueueRouter } from './comments-queue.router';
export { heldQueueRouter } from './held-queue.router';
export { invitationsRouter } from './invitations.router';
export { type DeliveryPanelFn, organiseRouter } from './organise.router';
export { organiserJobs } from './tasks';
export { TeamInvitation } from './team-invitation.entity';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'organisers',
  entities: [TeamInvitation],
  jobs: organiserJobs,
  views: ['organise'],
  messages: ['organisers'],
  routes: (ctx, provided) => ({
    pages: [
      heldQueueRouter(ctx),
      commentsQueueRouter(ctx),
      invitationsRouter(ctx),
      organiseRouter(ctx, { deliveryPanel: provided.deliveryPanel, memberAccess: provided.memberAccess ?? [] }),
    ],
  }),
};
