/** Job names and payloads of the updates feature (the outbox is graphile-worker's job table). */
export const TASK_UPDATE_FANOUT = 'letter-update-fanout';
export const TASK_UPDATE_EMAIL = 'letter-update-email';

/** An update an organiser wrote, or the official response to the letter: both go to the same people. */
export type MailingKind = 'update' | 'response';

export interface FanoutJob {
  kind: MailingKind;
  id: string;
}

export interface UpdateEmailJob extends FanoutJob {
  signatureId: string;
}
