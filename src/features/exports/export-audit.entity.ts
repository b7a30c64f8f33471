import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { ExportColumn, ExportFormat } from './export-row';

/** One produced file: who, when, what was asked for, and the digest of the bytes delivered. */
@Entity('export_audit')
export class ExportAudit {
  /** The export id: in the file name and the PDF footer. */
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'letter_id', type: 'uuid' })
  letterId: string;

  /** Null for exports made from the command line without --as. */
  @Column({ name: 'organiser_id', type: 'uuid', nullable: true })
  organiserId: string | null;

  /** Set when an addressee downloaded the file from their recipient link. */
  @Column({ name: 'recipient_link_id', type: 'uuid', nullable: true })
  recipientLinkId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'varchar', length: 8 })
  format: ExportFormat;

  @Column({ type: 'varchar', length: 12 })
  purpose: 'delivery' | 'publication';

  @Column({ type: 'varchar', length: 5 })
  language: string;

  @Column({ type: 'jsonb' })
  filters: Record<string, unknown>;

  @Column({ type: 'text', array: true })
  columns: ExportColumn[];

  @Column({ name: 'include_email', type: 'boolean' })
  includeEmail: boolean;

  @Column({ name: 'row_count', type: 'integer' })
  rowCount: number;

  @Column({ type: 'char', length: 64 })
  sha256: string;

  /** bigint comes back from pg as a string; the service converts. */
  @Column({ type: 'bigint' })
  bytes: string;

  @Column({ name: 'file_name', type: 'varchar', length: 255 })
  fileName: string;
}
