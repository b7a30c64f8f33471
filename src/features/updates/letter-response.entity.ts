import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The official answer to a delivered letter, shown on its page and mailed to opted-in signers once published. */
@Entity('letter_responses')
export class LetterResponse {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'letter_id', type: 'uuid' })
  letterId: string;

  /** The day the officials answered (YYYY-MM-DD): a calendar date, not an instant. */
  @Column({ name: 'responded_on', type: 'date' })
  respondedOn: string;

  @Column({ type: 'text' })
  body: string;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  link: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'fanout_cursor', type: 'uuid', nullable: true })
  fanoutCursor: string | null;

  @Column({ type: 'integer', default: 0 })
  recipients: number;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  /** Typed in by an organiser, or posted by an addressee through their recipient link. */
  @Column({ name: 'received_via', type: 'varchar', length: 20, default: 'organiser' })
  receivedVia: ResponseSource;

  @Column({ name: 'recipient_link_id', type: 'uuid', nullable: true })
  recipientLinkId: string | null;

  /**
   * The attached PDF's file name and size. Its bytes are a large object named by
   * letter_response_attachments (response-attachments.ts), with their SHA-256.
   */
  @Column({ name: 'attachment_name', type: 'varchar', length: 255, nullable: true })
  attachmentName: string | null;

  @Column({ name: 'attachment_bytes', type: 'integer', nullable: true })
  attachmentBytes: number | null;

  /**
   * Public at once when an owner records it; held (`pending`) when posted through a recipient
   * link, until an owner publishes or rejects it. Only a published response is shown or mailed.
   */
  @Column({ type: 'varchar', length: 12, default: 'published' })
  status: ResponseStatus;

  /** The heading the owners give it on the letter page (the default heading when null). */
  @Column({ type: 'varchar', length: 200, nullable: true })
  title: string | null;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  /** What the answer says: accepted, partly accepted, declined, or a statement (src/features/response-clock). */
  @Column({ name: 'answer_kind', type: 'varchar', length: 12, default: 'statement' })
  answerKind: AnswerKind;

  /** When an owner published or rejected a held response. */
  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;
}

export const ANSWER_KINDS = ['accepted', 'partly', 'declined', 'statement'] as const;
export type AnswerKind = (typeof ANSWER_KINDS)[number];

export type ResponseStatus = 'pending' | 'published' | 'rejected';

export type ResponseSource = 'organiser' | 'recipient-link';
