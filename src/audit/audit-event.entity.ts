import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What organisers (and the platform on their behalf) did to a letter: one row per action, never
 * changed or removed once written (a database trigger refuses UPDATE, DELETE and TRUNCATE).
 * Signers appear only as signature ids in `detail`, never by name or address.
 */
@Entity('audit_events')
@Index('audit_events_letter_created', ['letterId', 'createdAt'])
export class AuditEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'letter_id', type: 'uuid' })
  letterId: string;

  /** The organiser who acted; null when the platform acted by itself (a rule, a timer). */
  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  /** The organiser's name as it was when they acted: the record must not change under a rename. */
  @Column({ name: 'actor_name', type: 'varchar', length: 200, nullable: true })
  actorName: string | null;

  @Column({ type: 'varchar', length: 40 })
  kind: string;

  /** What was done, without personal data of signers: ids, counts, reasons, versions. */
  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  detail: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
