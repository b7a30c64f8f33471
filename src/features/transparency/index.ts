import type { Feature } from '../../platform/feature';
import { transparencyRouter } from './transparency.router';

export { moderationRecord, MODERATION_RECORD_MONTHS, type ModerationMonth } from './moderation-record.service';
export { monthName } from './transparency.router';

/** The feature, as the app composes it (src/app/features.ts): the instance's public moderation record. */
export const feature: Feature = {
  name: 'transparency',
  views: ['transparency'],
  messages: ['transparency'],
  routes: (ctx) => ({ pages: [transparencyRouter(ctx)] }),
};
