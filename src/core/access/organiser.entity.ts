import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Someone who runs letters. Signs in by emailed link; there is no password to leak. */
@Entity('organisers')
export class Organiser {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Lower-case and trimmed (see normaliseOrganiserEmail). */
  @Column({ type: 'varchar', length: 320, unique: true })
  email: string;

  @Column({ type: 'varchar', length: 200, default: '' })
  name: string;

  /** An admin of the whole instance (/admin): made at the command line first, then by other admins. */
  @Column({ name: 'is_admin', type: 'boolean', default: false })
  isAdmin: boolean;

  @Column({ name: 'digest_enabled', type: 'boolean', default: true })
  digestEnabled: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** Organisers' addresses are compared case-insensitively; unlike signers', no Gmail folding. */
export function normaliseOrganiserEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}
