import type { Feature } from '../../platform/feature';
import { updatesFeedSources } from './feed-entries';
import { LetterResponse } from './letter-response.entity';
import { LetterUpdate, LetterUpdateVersion } from './letter-update.entity';
import { updateJobs } from './tasks';
import { updatesOrganiseRouter } from './updates-organise.router';
import { ONE_CLICK_UNSUBSCRIBE_PATH, updatesPublicRouter } from './updates-public.router';

export { updatesFeedSources } from './feed-entries';
export { ANSWER_KINDS, type AnswerKind, LetterResponse, type ResponseStatus } from './letter-response.entity';
export { LetterUpdate, LetterUpdateVersion } from './letter-update.entity';
export { updateJobs } from './tasks';
export { UPDATES_CSS, updatesOrganiseRouter } from './updates-organise.router';
export {
  DELIVERY_SIGNER_DAYS,
  forgetDeliverySigners,
  type UpdatesPanel,
  updatesPanel,
  type UpdateStats,
  updateStats,
} from './update-stats';
export { remainingThisWeek, UPDATES_PER_WEEK } from './update-limit';
export { ONE_CLICK_UNSUBSCRIBE_PATH, updatesPublicRouter } from './updates-public.router';
export { isCalendarDay } from './updates.schema';
export {
  decideHeldResponse,
  findLinkResponse,
  type HeldDecision,
  listLinkResponses,
  ResponseDecided,
  saveHeldResponse,
} from './held-responses.service';
export { type UploadedAttachment } from './response-attachments';
export {
  countUpdateRecipients,
  publicResponses,
  recordOfficialResponse,
  responseAttachment,
  responseBodyHtml,
} from './updates.service';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'updates',
  entities: [LetterUpdate, LetterUpdateVersion, LetterResponse],
  jobs: updateJobs,
  views: ['updates'],
  messages: ['updates'],
  provide: () => ({ updateSources: updatesFeedSources }),
  exemptions: {
    // One-click unsubscribes are POSTed by mailbox providers from a few shared servers; the token in
    // the path is their authority, and refusing a provider would leave people subscribed.
    flood: (req) => ONE_CLICK_UNSUBSCRIBE_PATH.test(req.path),
    // RFC 8058: the mail client POSTs to the link with no cookie and no form token. The 256-bit
    // token in the path authorises it (it can do nothing but turn mail off), so exactly this
    // route, and only for POST, skips the CSRF check.
    csrf: (req) => req.method === 'POST' && ONE_CLICK_UNSUBSCRIBE_PATH.test(req.path),
  },
  // The updates' own pages under /letters/:slug/… come before the letter page's.
  routes: (ctx) => ({ pages: [updatesPublicRouter(ctx), updatesOrganiseRouter(ctx)] }),
};
