export { updatesFeedSources } from './feed-entries';
export { LetterResponse, type ResponseStatus } from './letter-response.entity';
export { LetterUpdate } from './letter-update.entity';
export { updateJobs } from './tasks';
export { UPDATES_CSS, updatesOrganiseRouter } from './updates-organise.router';
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
