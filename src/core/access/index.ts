export {
  ADMIN_ONLY,
  currentOrganiser,
  loadOrganiser,
  type OrganiserLocals,
  OWNER_ONLY,
  requireLetterRole,
  requireAdmin,
  requireOrganiser,
} from './auth.middleware';
export { authRouter } from './auth.router';
export { LETTER_ROLES, LetterOrganiser, type LetterRole } from './letter-organiser.entity';
export { normaliseOrganiserEmail, Organiser } from './organiser.entity';
export {
  addOrganiser,
  auditActor,
  auditActorById,
  grantRole,
  OrganiserInputError,
  organiserNames,
  setAdmin,
  setDigestEnabled,
} from './organisers.service';
export type { HandedOutAccess, MemberAccessFn } from './member-access';
export { sessionMiddleware } from './session';
