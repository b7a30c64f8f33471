import type { Feature } from '../../platform/feature';
import { countsItsOwnFlood, type RenderLetterPage, signRouter } from './sign.router';
import { Signature } from './signature.entity';
import { confirmCountsItsOwnFlood, type OwnRowLink, signaturesRouter } from './signatures.router';
import { signatureJobs } from './tasks';

declare module '../../platform/feature' {
  interface Provided {
    /** The letter page, shown again by the sign form with its errors. */
    renderLetterPage?: RenderLetterPage;
    /** The list page that holds a signer's public row, for "find my name" on the confirmed page. */
    ownRowLink?: OwnRowLink;
  }
}

export { initialsOf } from './display-name';
export { mySignaturesUrl, type LetterRef } from './emails';
export { countsItsOwnFlood, signRouter, type RenderLetterPage, type SignFormState } from './sign.router';
export { recentSignatories } from './signatories.service';
export {
  INVALIDATION_CATEGORIES,
  type InvalidationCategory,
  Signature,
  SIGNED_AS,
  type SignedAs,
} from './signature.entity';
export { type OwnRowLink, signaturesRouter } from './signatures.router';
export type { ConfirmedRowFacts } from './confirm-signature';
export { isCounted } from './signature-rows';
export { withdrawSignatureOfAddress } from './withdraw-signature';
export { signatureJobs } from './tasks';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'signatures',
  entities: [Signature],
  jobs: signatureJobs,
  views: ['signatures'],
  messages: ['signatures'],
  // Signing counts its POST itself, together with its own counters (sign.router.ts); so does the
  // press of Confirm, in the confirming statement (signatures.router.ts).
  exemptions: { countsItsOwnFlood: (req) => countsItsOwnFlood(req) || confirmCountsItsOwnFlood(req) },
  routes: (ctx, provided) => {
    if (!provided.renderLetterPage) throw new Error('signatures need the letter page (features/letter-page)');
    return { pages: [signRouter(ctx, provided.renderLetterPage), signaturesRouter(ctx, provided.ownRowLink)] };
  },
};
