import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Language } from './letter.entity';

/**
 * The words of a letter's translation as they were before a change: kept because people signed
 * them. The current text is the translation itself (LetterTranslation.textVersion); this table
 * holds every earlier one, and the mailing that told their signers about the change.
 */
@Entity('letter_text_versions')
@Unique('letter_text_versions_letter_language_version', ['letterId', 'language', 'version'])
export class LetterTextVersion {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'letter_id', type: 'uuid' })
  letterId: string;

  @Column({ type: 'varchar', length: 5 })
  language: Language;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'varchar', length: 200 })
  title: string;

  /** Markdown, as the organiser wrote it. */
  @Column({ type: 'text' })
  body: string;

  /** When these words were published. */
  @Column({ name: 'published_at', type: 'timestamptz' })
  publishedAt: Date;

  /** When they were replaced by the next version. */
  @Column({ name: 'replaced_at', type: 'timestamptz', default: () => 'now()' })
  replacedAt: Date;

  /** The change notice's fan-out: the last signer queued, how many, and when it was done. */
  @Column({ name: 'fanout_cursor', type: 'uuid', nullable: true })
  fanoutCursor: string | null;

  @Column({ type: 'integer', default: 0 })
  recipients: number;

  @Column({ name: 'notified_at', type: 'timestamptz', nullable: true })
  notifiedAt: Date | null;
}
