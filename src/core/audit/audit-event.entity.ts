import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What organisers (and the platform on their behalf) did to a letter: one row per action, never
 * changed or removed once written (a database trigger refuses UPDATE, DELETE and TRUNCATE, and
 * where the app runs as its own role that role holds only INSERT and SELECT on it). Each row is
 * chained to the letter's previous one by a hash (`chain_seq`, `prev_hash`, `hash`, set by an
 * INSERT trigger). Signers appear only as signature ids in `detail`, never by name or address;
 * free text and mail domains are in `audit_details`, which erasure can reach, referenced by
 * `detail_id`.
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

  /**
   * The organiser's name as it was when they acted (the record must not change under a rename);
   * null when they had given none. Never an address.
   */
  @Column({ name: 'actor_name', type: 'varchar', length: 200, nullable: true })
  actorName: string | null;

  @Column({ type: 'varchar', length: 40 })
  kind: string;

  /** What was done, without personal data of signers: ids, counts, reasons, versions. */
  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  detail: Record<string, unknown>;

  /** The erasable part of `detail` (audit_details), or null when there was none. */
  @Column({ name: 'detail_id', type: 'bigint', nullable: true })
  detailId: string | null;

  /** This entry's place in its letter's chain: 1, 2, 3… (set by the INSERT trigger). */
  @Column({ name: 'chain_seq', type: 'bigint', insert: false, update: false })
  chainSeq: string;

  @Column({ name: 'prev_hash', type: 'bytea', nullable: true, insert: false, update: false, select: false })
  prevHash: Buffer | null;

  @Column({ type: 'bytea', insert: false, update: false, select: false })
  hash: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Filled by listAudit: the entry had an erasable part, and it has been erased since. */
  detailErased?: boolean;
}
