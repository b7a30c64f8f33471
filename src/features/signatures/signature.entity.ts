import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Language, Visibility } from '../../core/letters/letter.entity';

/** `bounced`: the confirmation email was refused for good; it can never be confirmed or counted. */
export const SIGNATURE_STATUSES = ['pending', 'confirmed', 'invalidated', 'bounced'] as const;
export type SignatureStatus = (typeof SIGNATURE_STATUSES)[number];
export const SIGNED_AS = ['individual', 'organisation'] as const;
export type SignedAs = (typeof SIGNED_AS)[number];
export type CommentStatus = 'pending' | 'approved';
/** The longest "why I signed" comment, in characters. */
export const COMMENT_MAX_CHARACTERS = 500;
/** Why an organiser invalidated a signature, as a category the integrity report may count publicly. */
export const INVALIDATION_CATEGORIES = [
  'duplicate-person',
  'fake-name',
  'bulk-bot',
  'requested-by-person',
  'other',
] as const;
export type InvalidationCategory = (typeof INVALIDATION_CATEGORIES)[number];

/**
 * One person's signature on one letter. A withdrawn signature is deleted outright, with its
 * tokens: nothing of the signer remains.
 */
@Entity('signatures')
@Unique('signatures_letter_email', ['letterId', 'emailNormalised'])
@Index('signatures_letter_status_confirmed', ['letterId', 'status', 'confirmedAt'])
export class Signature {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'letter_id', type: 'uuid' })
  letterId: string;

  @Column({ name: 'full_name', type: 'varchar', length: 200 })
  fullName: string;

  /** As typed (trimmed): mail goes where the signer said. Null once erased after delivery. */
  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;

  /** Closes the obvious duplicates (case, spaces, Gmail dots and +tags); unique per letter. */
  @Column({ name: 'email_normalised', type: 'varchar', length: 320, nullable: true })
  emailNormalised: string | null;

  @Column({ type: 'char', length: 2 })
  country: string;

  @Column({ type: 'varchar', length: 120, nullable: true })
  city: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  organisation: string | null;

  /** An occupation or title, beside the organisation (asked when the letter asks it). */
  @Column({ type: 'varchar', length: 200, nullable: true })
  occupation: string | null;

  /**
   * "Why I signed", when the letter asks it: shown publicly only once an organiser approved it
   * (`commentStatus`). A rejected comment is set to null: the text leaves the table.
   */
  @Column({ type: 'varchar', length: 500, nullable: true })
  comment: string | null;

  @Column({ name: 'comment_status', type: 'varchar', length: 10, nullable: true })
  commentStatus: CommentStatus | null;

  /** A signer who keeps their name private allows the comment to be shown without it. */
  @Column({ name: 'comment_anonymous', type: 'boolean', default: false })
  commentAnonymous: boolean;

  @Column({ name: 'comment_approved_at', type: 'timestamptz', nullable: true })
  commentApprovedAt: Date | null;

  @Column({ name: 'signed_as', type: 'varchar', length: 12, default: 'individual' })
  signedAs: SignedAs;

  @Column({ type: 'varchar', length: 10 })
  visibility: Visibility;

  @Column({ name: 'wants_updates', type: 'boolean', default: false })
  wantsUpdates: boolean;

  @Column({ type: 'varchar', length: 5 })
  language: Language;

  @Column({ type: 'varchar', length: 12, default: 'pending' })
  status: SignatureStatus;

  /** Keyed hash of the network origin: enough for abuse control, useless to identify anyone. */
  @Column({ name: 'origin_hash', type: 'varchar', length: 64, nullable: true })
  originHash: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt: Date | null;

  /** Organisers can take a signature off the public list without touching the count. */
  @Column({ type: 'boolean', default: false })
  hidden: boolean;

  @Column({ name: 'invalidated_reason', type: 'varchar', length: 300, nullable: true })
  invalidatedReason: string | null;

  @Column({ name: 'invalidated_at', type: 'timestamptz', nullable: true })
  invalidatedAt: Date | null;

  /** The kind of reason, public in the integrity report as a count; the text above stays private. */
  @Column({ name: 'invalidated_category', type: 'varchar', length: 24, nullable: true })
  invalidatedCategory: InvalidationCategory | null;

  /** The organiser chose to keep the name in the moderation record once the address is erased. */
  @Column({ name: 'keep_name_on_record', type: 'boolean', default: false })
  keepNameOnRecord: boolean;

  /**
   * Set when abuse control holds the signature for review (e.g. 'burst', 'disposable-domain').
   * A held signature is confirmed like any other but not counted until an organiser releases it.
   */
  @Column({ name: 'held_reason', type: 'varchar', length: 40, nullable: true })
  heldReason: string | null;

  /** When a held signature was released after review, by an organiser or by a release rule. */
  @Column({ name: 'released_at', type: 'timestamptz', nullable: true })
  releasedAt: Date | null;

  /** The signature came with a solved proof-of-work challenge (see abuse control's challenge mode). */
  @Column({ name: 'challenge_solved', type: 'boolean', default: false })
  challengeSolved: boolean;

  /** Challenge mode was on when the signature (and its solution) was checked: only then does a solution count for the release rule. */
  @Column({ name: 'challenge_mode', type: 'boolean', default: false })
  challengeMode: boolean;

  /** Released by the held queue's release rule (not by an organiser); its caps count these. */
  @Column({ name: 'released_by_rule', type: 'boolean', default: false })
  releasedByRule: boolean;

  /** When the confirmation email bounced (status `bounced`); retention deletes the row after PENDING_RETENTION_DAYS. */
  @Column({ name: 'bounced_at', type: 'timestamptz', nullable: true })
  bouncedAt: Date | null;

  @Column({ type: 'varchar', length: 6, default: 'online' })
  source: 'online' | 'paper';

  /** A paper signature the organiser imported although one with the same name and country was online. */
  @Column({ name: 'matched_online', type: 'boolean', default: false })
  matchedOnline: boolean;

  /**
   * The text this signature is under: the language and number of the letter's text shown on the
   * page it was signed from (or, for paper, the one the organiser says was on the sheet).
   */
  @Column({ name: 'text_language', type: 'varchar', length: 5, nullable: true })
  textLanguage: Language | null;

  @Column({ name: 'text_version', type: 'integer', nullable: true })
  textVersion: number | null;

  /**
   * When each kind of email was last queued: each kind has its own resend throttle, so a
   * confirmation sent a minute ago never holds back the "already signed" note.
   */
  @Column({ name: 'last_emailed_at', type: 'timestamptz', nullable: true })
  lastEmailedAt: Date | null;

  @Column({ name: 'already_signed_emailed_at', type: 'timestamptz', nullable: true })
  alreadySignedEmailedAt: Date | null;

  @Column({ name: 'manage_emailed_at', type: 'timestamptz', nullable: true })
  manageEmailedAt: Date | null;
}
