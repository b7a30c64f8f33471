export { addAllowedNetwork, type HeldReason, holdReason, isAllowedNetwork, listAllowedNetworks, removeAllowedNetwork, softChecks } from './abuse.service';
export { allowListAddSchema } from './allow-list.schema';
export { consumeFlood, floodLimit } from './flood.middleware';
export { decideEmail } from './typo-hint';
