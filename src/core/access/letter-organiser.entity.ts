import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const LETTER_ROLES = ['owner', 'editor'] as const;
/** Owners change status and slug and manage roles; editors edit the text and moderate. */
export type LetterRole = (typeof LETTER_ROLES)[number];

@Entity('letter_organisers')
export class LetterOrganiser {
  @PrimaryColumn({ name: 'letter_id', type: 'uuid' })
  letterId: string;

  @PrimaryColumn({ name: 'organiser_id', type: 'uuid' })
  organiserId: string;

  @Column({ type: 'varchar', length: 10 })
  role: LetterRole;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
