import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A link that shows one addressee of a delivered letter the list as delivered, private names
 * included, and lets them answer. Only the SHA-256 of its tokens is kept: `tokenHash` for the link
 * shown once to the owner who made it, `mailedTokenHash` for the one the platform mailed (made
 * when the mail was sent).
 */
@Entity('recipient_links')
export class RecipientLink {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'letter_id', type: 'uuid' })
  letterId: string;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @Column({ name: 'mailed_token_hash', type: 'char', length: 64, nullable: true })
  mailedTokenHash: string | null;

  /** The token of the link in the newest reminder (src/features/response-clock); the others keep working. */
  @Column({ name: 'reminder_token_hash', type: 'char', length: 64, nullable: true })
  reminderTokenHash: string | null;

  /** The addressee, as the owner wrote it (an official in their public capacity). */
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  role: string | null;

  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;

  @Column({ name: 'send_email', type: 'boolean', default: false })
  sendEmail: boolean;

  @Column({ name: 'emailed_at', type: 'timestamptz', nullable: true })
  emailedAt: Date | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  /** Every view of the page; only the first of each UTC day is an event and an audit row. */
  @Column({ type: 'integer', default: 0 })
  views: number;

  @Column({ name: 'last_viewed_at', type: 'timestamptz', nullable: true })
  lastViewedAt: Date | null;

  /** Posts of the response form in the link's current hour (see RESPONSE_POSTS_PER_LINK_PER_HOUR). */
  @Column({ name: 'response_attempts', type: 'integer', default: 0 })
  responseAttempts: number;

  @Column({ name: 'response_attempts_since', type: 'timestamptz', nullable: true })
  responseAttemptsSince: Date | null;

  @Column({ type: 'integer', default: 0 })
  downloads: number;
}

export const LINK_EVENT_KINDS = ['view', 'download-pdf', 'download-csv', 'response', 'response-edited'] as const;
export type LinkEventKind = (typeof LINK_EVENT_KINDS)[number];

/**
 * A day's first view, a download, or a response posted or edited through a recipient link: when
 * and which link, nothing about who (no IP).
 */
@Entity('recipient_link_events')
export class RecipientLinkEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'link_id', type: 'uuid' })
  linkId: string;

  @Column({ name: 'letter_id', type: 'uuid' })
  letterId: string;

  @Column({ type: 'varchar', length: 20 })
  kind: LinkEventKind;

  @Column({ name: 'export_id', type: 'uuid', nullable: true })
  exportId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
