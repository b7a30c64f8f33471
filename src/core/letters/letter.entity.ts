import { Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { LetterTranslation } from './letter-translation.entity';
import type { Language } from '../../platform/web/languages';
import type { Visibility } from '../../platform/web/visibility';
import type { ReviewState } from './review';

export const LETTER_STATUSES = ['draft', 'open', 'closed'] as const;
export type LetterStatus = (typeof LETTER_STATUSES)[number];
export { VISIBILITIES, type Visibility } from '../../platform/web/visibility';
export { LANGUAGES, type Language } from '../../platform/web/languages';

/**
 * What the public sees: an open letter whose deadline has passed is closed, without waiting for
 * an organiser to flip its status.
 */
/** The sign form's optional fields a letter's owners choose to ask, and the column of each. */
export const SIGN_FIELDS = ['city', 'organisation', 'occupation', 'comment'] as const;
export type SignField = (typeof SIGN_FIELDS)[number];
export const SIGN_FIELD_COLUMNS = {
  city: 'askCity',
  organisation: 'askOrganisation',
  occupation: 'askOccupation',
  comment: 'askComment',
} as const satisfies Record<SignField, keyof Letter>;

/** The optional fields this letter's sign form asks. */
export function askedFields(letter: Pick<Letter, (typeof SIGN_FIELD_COLUMNS)[SignField]>): Record<SignField, boolean> {
  return {
    city: letter.askCity,
    organisation: letter.askOrganisation,
    occupation: letter.askOccupation,
    comment: letter.askComment,
  };
}

export function publicStatus(letter: Pick<Letter, 'status' | 'closesAt'>, now = new Date()): LetterStatus {
  if (letter.status === 'open' && letter.closesAt && letter.closesAt.getTime() <= now.getTime()) return 'closed';
  return letter.status;
}

@Entity('letters')
export class Letter {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Stable: links to it are shared in chats and printed on flyers. */
  @Column({ type: 'varchar', length: 120, unique: true })
  slug: string;

  @Column({ type: 'varchar', length: 10, default: 'draft' })
  status: LetterStatus;

  /** Where the letter stands with the instance's admins (core/letters/review.ts): public only when none or approved. */
  @Column({ name: 'review_state', type: 'varchar', length: 20, default: 'none' })
  reviewState: ReviewState;

  /** When it was last sent for review (the queue's order). */
  @Column({ name: 'review_submitted_at', type: 'timestamptz', nullable: true })
  reviewSubmittedAt: Date | null;

  /** The starter's answer to an admin's request for changes, sent with the resubmission. */
  @Column({ name: 'review_reply', type: 'text', nullable: true })
  reviewReply: string | null;

  /** When its starter asked for a second review of a rejection (once per letter). */
  @Column({ name: 'second_review_requested_at', type: 'timestamptz', nullable: true })
  secondReviewRequestedAt: Date | null;

  @Column({ type: 'integer', nullable: true })
  goal: number | null;

  @Column({ name: 'closes_at', type: 'timestamptz', nullable: true })
  closesAt: Date | null;

  @Column({ name: 'default_language', type: 'varchar', length: 5, default: 'en' })
  defaultLanguage: Language;

  /** Preselected name-display option on the sign form; the signer may always choose another. */
  @Column({ name: 'public_names_default', type: 'varchar', length: 10, default: 'private' })
  publicNamesDefault: Visibility;

  /** The full list of signatories asks search engines not to index it (owners decide; on by default). */
  @Column({ name: 'signatories_noindex', type: 'boolean', default: true })
  signatoriesNoindex: boolean;

  /** Which optional fields the sign form asks (SIGN_FIELDS); one not asked is ignored if sent. */
  @Column({ name: 'ask_city', type: 'boolean', default: true })
  askCity: boolean;

  @Column({ name: 'ask_organisation', type: 'boolean', default: true })
  askOrganisation: boolean;

  @Column({ name: 'ask_occupation', type: 'boolean', default: false })
  askOccupation: boolean;

  @Column({ name: 'ask_comment', type: 'boolean', default: false })
  askComment: boolean;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  /** When the delivery was recorded here (not the date typed): delivery retention counts from it. */
  @Column({ name: 'delivery_recorded_at', type: 'timestamptz', nullable: true })
  deliveryRecordedAt: Date | null;

  @Column({ name: 'delivered_to', type: 'text', nullable: true })
  deliveredTo: string | null;

  @Column({ name: 'delivery_note', type: 'text', nullable: true })
  deliveryNote: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @OneToMany('LetterTranslation', (t: LetterTranslation) => t.letter)
  translations: LetterTranslation[];
}
