import type { Language } from '../../core/letters/letter.entity';

/** Job names and payloads of the text-change notice (graphile-worker's job table is the outbox). */
export const TASK_TEXT_CHANGE_FANOUT = 'text-change-fanout';
export const TASK_TEXT_CHANGE_EMAIL = 'text-change-email';

/** `id`: the LetterTextVersion that was replaced (one row per change). */
export interface TextChangeFanoutJob {
  id: string;
}

export interface TextChangeEmailJob extends TextChangeFanoutJob {
  signatureId: string;
}

/** The word diffs between the versions of one text, computed once and stored (text-diffs.service.ts). */
export const TASK_TEXT_DIFFS = 'text-diffs';

export interface TextDiffsJob {
  letterId: string;
  language: Language;
}
