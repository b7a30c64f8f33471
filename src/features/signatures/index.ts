export { initialsOf } from './display-name';
export { countsItsOwnFlood, signRouter, type RenderLetterPage, type SignFormState } from './sign.router';
export { recentSignatories } from './signatories.service';
export {
  INVALIDATION_CATEGORIES,
  type InvalidationCategory,
  Signature,
  SIGNED_AS,
  type SignedAs,
} from './signature.entity';
export { signaturesRouter } from './signatures.router';
export { isCounted, withdrawSignatureOfAddress } from './signing.service';
export { signatureJobs } from './tasks';
