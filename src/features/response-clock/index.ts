import type { Feature } from '../../platform/feature';
import { ProgressDigest, ResponseClock, ResponseReminder } from './response-clock.entity';
import { responseClockRouter } from './response-clock.router';
import { responseClockJobs } from './tasks';

export {
  clockAt,
  clockJson,
  clockSettingsFor,
  type ClockSettings,
  type ClockState,
  findClock,
  letterClock,
  type LetterClock,
  saveResponseClock,
} from './clock.service';
export {
  clockFormSchema,
  type ClockForm,
  MAX_DUE_DAYS,
  REMINDER_POINTS,
  RESPONSE_WITHIN_DAYS,
  SUGGESTED_WITHIN_DAYS,
} from './clock.schema';
export { ProgressDigest, ResponseClock, ResponseReminder } from './response-clock.entity';
export {
  endProgressDigest,
  findProgressDigest,
  MAX_PROGRESS_ADDRESSES,
  progressFormSchema,
  type ProgressForm,
  queueDueProgressDigests,
  saveProgressDigest,
  TASK_PROGRESS_DIGEST_EMAIL,
} from './progress.service';
export { responseClockRouter, TIMELINE_ON_LETTER_PAGE } from './response-clock.router';
export { responsesOverview } from './responses-list.service';
export { queueDueReminders, REMINDER_GAP_DAYS, TASK_RESPONSE_REMINDER_EMAIL } from './reminders.service';
export { describeEvent, letterTimeline, type TimelineEvent } from './timeline.service';
export { responseClockJobs } from './tasks';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'response-clock',
  entities: [ResponseClock, ResponseReminder, ProgressDigest],
  jobs: responseClockJobs,
  views: ['response-clock'],
  messages: ['response-clock'],
  routes: (ctx) => ({ pages: [responseClockRouter(ctx)] }),
};
