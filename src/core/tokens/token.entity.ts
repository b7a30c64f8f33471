import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * `my-signatures`: the link to every signature of one address (src/features/my-signatures/);
 * `unfeature`: a featured signer's link to leave the notable signatories (src/features/signatories/).
 */
export const TOKEN_PURPOSES = ['confirm', 'withdraw', 'sign-in', 'unsubscribe', 'my-signatures', 'unfeature'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

/** An emailed token. Only its SHA-256 is kept: a database leak hands out no working link. */
@Entity('tokens')
export class Token {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'token_hash', type: 'char', length: 64, unique: true })
  tokenHash: string;

  @Column({ type: 'varchar', length: 16 })
  purpose: TokenPurpose;

  @Column({ name: 'signature_id', type: 'uuid', nullable: true })
  signatureId: string | null;

  @Column({ name: 'organiser_id', type: 'uuid', nullable: true })
  organiserId: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
