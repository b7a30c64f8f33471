export { heldQueueRouter } from './held-queue.router';
export { invitationsRouter } from './invitations.router';
export { type DeliveryPanelFn, organiseRouter } from './organise.router';
export { organiserJobs } from './tasks';
export { TeamInvitation } from './team-invitation.entity';
