import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * An email update an organiser wrote once, in one language, for every signer who asked for
 * updates. `fanoutCursor` is the last signature id the fan-out has queued mail for.
 */
@Entity('letter_updates')
export class LetterUpdate {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'letter_id', type: 'uuid' })
  letterId: string;

  @Column({ type: 'varchar', length: 200 })
  subject: string;

  @Column({ name: 'body_markdown', type: 'text' })
  bodyMarkdown: string;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'fanout_cursor', type: 'uuid', nullable: true })
  fanoutCursor: string | null;

  @Column({ type: 'integer', default: 0 })
  recipients: number;

  /** When the fan-out finished queueing one email per recipient. */
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;
}
