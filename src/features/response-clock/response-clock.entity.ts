import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What the owners of a delivered letter ask of its addressees: a response by a date, and
 * whether the platform reminds them, at which points (days from that date: -7 is a week before,
 * 0 the day itself, 7 a week late).
 */
@Entity('response_clocks')
export class ResponseClock {
  @PrimaryColumn({ name: 'letter_id', type: 'uuid' })
  letterId: string;

  /** A calendar day (YYYY-MM-DD), or null when the owners asked for no date. */
  @Column({ name: 'due_on', type: 'date', nullable: true })
  dueOn: string | null;

  @Column({ type: 'boolean', default: false })
  reminders: boolean;

  @Column({ name: 'reminder_points', type: 'smallint', array: true, default: () => `'{-7,0}'` })
  reminderPoints: number[];

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

export const REMINDER_STATUSES = ['queued', 'sending', 'sent', 'skipped', 'cancelled'] as const;
export type ReminderStatus = (typeof REMINDER_STATUSES)[number];

/**
 * One reminder to one recipient link, for one point of one due date. It is claimed (`sending`,
 * with its time) before the mail goes, so it is never sent twice; `skipped` when the link had a
 * reminder less than a week before; `cancelled` when an answer or the owners stopped it first.
 */
@Entity('response_reminders')
export class ResponseReminder {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'letter_id', type: 'uuid' })
  letterId: string;

  @Column({ name: 'link_id', type: 'uuid' })
  linkId: string;

  @Column({ name: 'due_on', type: 'date' })
  dueOn: string;

  @Column({ type: 'smallint' })
  point: number;

  @Column({ type: 'varchar', length: 10, default: 'queued' })
  status: ReminderStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;
}

export const PROGRESS_CADENCES = ['milestones', 'weekly'] as const;
export type ProgressCadence = (typeof PROGRESS_CADENCES)[number];

/**
 * The owners' choice to tell the addressees how the letter is doing before it is delivered: to
 * whom (at most five addresses), when the delivery is planned, and how often. Kept only while
 * the letter is open and undelivered.
 */
@Entity('progress_digests')
export class ProgressDigest {
  @PrimaryColumn({ name: 'letter_id', type: 'uuid' })
  letterId: string;

  @Column({ type: 'varchar', length: 320, array: true })
  addresses: string[];

  @Column({ name: 'planned_on', type: 'date', nullable: true })
  plannedOn: string | null;

  @Column({ type: 'varchar', length: 10 })
  cadence: ProgressCadence;

  @Column({ name: 'last_sent_at', type: 'timestamptz', nullable: true })
  lastSentAt: Date | null;

  /** The verified count the last digest told (milestones are counted from it). */
  @Column({ name: 'last_count', type: 'integer', default: 0 })
  lastCount: number;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
