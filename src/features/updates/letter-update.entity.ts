import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Language } from '../../core/letters/letter.entity';

/**
 * An email update an organiser wrote for the signers who asked for updates: its subject and text
 * in `language` (the letter's default language when it was written), the other languages'
 * versions in `letter_update_versions`, the signers it concerns (the segment; null parts mean
 * "all") and when it goes. `fanoutCursor` is the last signature id the fan-out has queued mail for.
 */
@Entity('letter_updates')
export class LetterUpdate {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'letter_id', type: 'uuid' })
  letterId: string;

  @Column({ type: 'varchar', length: 5 })
  language: Language;

  @Column({ type: 'varchar', length: 200 })
  subject: string;

  @Column({ name: 'body_markdown', type: 'text' })
  bodyMarkdown: string;

  @Column({ name: 'segment_countries', type: 'text', array: true, nullable: true })
  segmentCountries: string[] | null;

  @Column({ name: 'segment_text_language', type: 'varchar', length: 5, nullable: true })
  segmentTextLanguage: Language | null;

  @Column({ name: 'segment_text_version', type: 'integer', nullable: true })
  segmentTextVersion: number | null;

  @Column({ name: 'segment_source', type: 'varchar', length: 6, nullable: true })
  segmentSource: 'online' | 'paper' | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** When it goes out: when it was written, or the time its owner chose. */
  @Column({ name: 'send_at', type: 'timestamptz', default: () => 'now()' })
  sendAt: Date;

  /** Cancelled before it went: nothing is sent, and it no longer counts towards the weekly limit. */
  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;

  @Column({ name: 'fanout_cursor', type: 'uuid', nullable: true })
  fanoutCursor: string | null;

  @Column({ type: 'integer', default: 0 })
  recipients: number;

  /** When the fan-out finished queueing one email per recipient. */
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;
}

/** An update's subject and text in one more language of the letter. */
@Entity('letter_update_versions')
export class LetterUpdateVersion {
  @Column({ name: 'update_id', type: 'uuid', primary: true })
  updateId: string;

  @Column({ type: 'varchar', length: 5, primary: true })
  language: Language;

  @Column({ type: 'varchar', length: 200 })
  subject: string;

  @Column({ name: 'body_markdown', type: 'text' })
  bodyMarkdown: string;
}
