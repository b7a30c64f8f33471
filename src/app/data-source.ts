import type { DataSource } from 'typeorm';
import type { Config } from '../platform/config';
import { migrateWith, openDatabaseWith, type Database } from '../platform/db/connect';
import { buildDataSource, type EntityList } from '../platform/db/data-source';
import type { Logger } from '../platform/logger';
import { LetterOrganiser, Organiser } from '../core/access';
import { AuditEvent } from '../core/audit';
import { Letter } from '../core/letters/letter.entity';
import { LetterTranslation } from '../core/letters/letter-translation.entity';
import { LetterTextVersion } from '../core/letters/letter-text-version.entity';
import { Token } from '../core/tokens';
import { FEATURES } from './features';

/** Core's entities, then each feature's own (its descriptor's `entities`): the platform knows none. */
export const entities: EntityList = [
  Letter,
  LetterTranslation,
  LetterTextVersion,
  Token,
  Organiser,
  LetterOrganiser,
  AuditEvent,
  ...FEATURES.flatMap((f) => f.entities ?? []),
];

export function createDataSource(url: string, opts: { poolSize?: number; applicationName?: string } = {}): DataSource {
  return buildDataSource(entities, url, opts);
}

/** DATABASE_URL when given; otherwise the embedded PostgreSQL under DATA_DIR. */
export function openDatabase(config: Config, log: Logger, opts: { poolSize?: number } = {}): Promise<Database> {
  return openDatabaseWith(entities, config, log, opts);
}

/** Brings the schema up to date as its owner (MIGRATION_DATABASE_URL's role, or `db`'s own). */
export function migrateDatabase(config: Config, db: DataSource, log: Logger): Promise<void> {
  return migrateWith(entities, config, db, log);
}
