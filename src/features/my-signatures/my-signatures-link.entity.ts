import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Language } from '../../platform/web/languages';

/**
 * One request for the "my signatures" link. The address as typed is kept only until the email
 * is sent; the normalised form, which finds the signatures, goes with the row (the worker deletes
 * rows a day after they expire). The emailed token is a row of `tokens`; only its hash is stored.
 */
@Entity('my_signatures_links')
export class MySignaturesLink {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;

  @Column({ name: 'email_normalised', type: 'varchar', length: 320 })
  emailNormalised: string;

  @Column({ type: 'varchar', length: 5 })
  language: Language;

  @Column({ name: 'token_id', type: 'uuid', nullable: true })
  tokenId: string | null;

  /** SHA-256 of the browser session that opened the link first; only it may open it again. */
  @Column({ name: 'session_hash', type: 'char', length: 64, nullable: true })
  sessionHash: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  @Column({ name: 'redeemed_at', type: 'timestamptz', nullable: true })
  redeemedAt: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
