import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One row of an uploaded sheet, as checked: what the preview shows and the import saves. */
export interface PaperRow {
  line: number;
  name: string;
  country: string | null;
  countryInput: string;
  city: string | null;
  date: string;
  errors: PaperRowError[];
  /** A signature with the same normalised name and country was made online: imported only if the organiser ticks it. */
  possibleDuplicate?: boolean;
}

export type PaperRowError =
  'nameMissing' | 'nameTooLong' | 'countryUnknown' | 'dateInvalid' | 'dateFuture' | 'duplicate' | 'cityTooLong';

/**
 * Parsed paper signatures waiting for the organiser's "Import": the preview is built from this
 * row and the import reads it back by id, so nothing the browser sends is trusted twice.
 */
@Entity('paper_imports')
export class PaperImport {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'letter_id', type: 'uuid' })
  letterId: string;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @Column({ type: 'varchar', length: 10, default: 'preview' })
  status: 'preview' | 'imported';

  @Column({ type: 'jsonb' })
  rows: PaperRow[];

  @Column({ name: 'valid_rows', type: 'integer' })
  validRows: number;

  @Column({ name: 'invalid_rows', type: 'integer' })
  invalidRows: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'imported_at', type: 'timestamptz', nullable: true })
  importedAt: Date | null;
}
