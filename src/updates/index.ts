export { updatesFeedSources } from './feed-entries';
export { LetterResponse, LetterResponseAttachment, type ResponseStatus } from './letter-response.entity';
export { LetterUpdate } from './letter-update.entity';
export { updateJobs } from './tasks';
export { UPDATES_CSS, updatesOrganiseRouter } from './updates-organise.router';
export { ONE_CLICK_UNSUBSCRIBE_PATH, updatesPublicRouter } from './updates-public.router';
export { isCalendarDay } from './updates.schema';
export { decideHeldResponse, findLinkResponse, type HeldDecision, listLinkResponses, ResponseDecided, saveHeldResponse } from './held-responses.service';
export { countUpdateRecipients, publicResponses, recordOfficialResponse, responseAttachment, responseBodyHtml } from './updates.service';
