import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Language, Letter } from './letter.entity';

@Entity('letter_translations')
@Unique('letter_translations_letter_language', ['letterId', 'language'])
export class LetterTranslation {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'letter_id', type: 'uuid' })
  letterId: string;

  @ManyToOne('Letter', (l: Letter) => l.translations, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'letter_id' })
  letter: Letter;

  @Column({ type: 'varchar', length: 5 })
  language: Language;

  @Column({ type: 'varchar', length: 200 })
  title: string;

  /** For the page title and the share cards, where a long title is cut; null: the title is used. */
  @Column({ name: 'short_title', type: 'varchar', length: 70, nullable: true })
  shortTitle: string | null;

  @Column({ type: 'varchar', length: 400, default: '' })
  summary: string;

  /** Markdown; rendered with raw HTML disabled. */
  @Column({ type: 'text' })
  body: string;

  /** Who the letter is addressed to, in this language. */
  @Column({ type: 'varchar', length: 300 })
  recipient: string;

  /**
   * The number of the current text (title and body). It goes up when a text that people signed
   * is changed; the words they signed stay in letter_text_versions (LetterTextVersion).
   */
  @Column({ name: 'text_version', type: 'integer', default: 1 })
  textVersion: number;

  /** When the current text was published. */
  @Column({ name: 'text_version_at', type: 'timestamptz', default: () => 'now()' })
  textVersionAt: Date;
}
